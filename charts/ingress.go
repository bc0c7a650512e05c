package charts

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
	networkingv1 "k8s.io/api/networking/v1"
)

const (
	albPrefix = "alb.ingress.kubernetes.io/"
	// HealthCheckPath and HealthCheckSuccessCodes are the ALB target
	// groups' health check: /health without the access key answers 401 as
	// soon as the platform's HTTP server listens (after initialization),
	// before any data service is asked (httpPlatform.js), on every tier,
	// with or without the web front-end. Putting the key into an annotation
	// would publish it; the pods' readiness gates already hold back targets
	// whose full /health fails.
	HealthCheckPath         = "/health"
	HealthCheckSuccessCodes = "401"
	// rejectTokensAction is the ALB action that answers 403 to token requests
	// on the ui host.
	rejectTokensAction = "reject-api-tokens"
	// notAnAPIRouteAction is the ALB action that answers 404 on the api host
	// to every path that is not an API route.
	notAnAPIRouteAction = "not-an-api-route"
	// AccessLogsPrefixUI and AccessLogsPrefixAPI are the key prefixes of the
	// two load balancers' access logs in Ingress.AccessLogsBucket (the load
	// balancer writes under <prefix>/AWSLogs/<account>/).
	AccessLogsPrefixUI  = "ui"
	AccessLogsPrefixAPI = "api"
)

// RejectedAuthorizationValues are the Authorization header values the ui
// host answers with 403: API tokens (Bearer) and HTTP basic credentials,
// which browsers never send to OpenCTI (they hold a session cookie). ALB
// header conditions compare case-insensitively and support the * and ?
// wildcards, so "bearer x" and "BEARER x" match too.
func RejectedAuthorizationValues() []string { return []string{"Bearer *", "Basic *"} }

// APIRoute is a path the api host forwards to connector-api.
type APIRoute struct {
	// Path is the Ingress path.
	Path string
	// PathType is "Prefix" (the path and everything below it: the load
	// balancer controller matches "<path>" and "<path>/*") or "Exact".
	PathType networkingv1.PathType
	// Use says who calls it.
	Use string
}

// APIRoutes are the only paths the api host forwards (OpenCTI 7.x routes in
// http/httpServer.js, httpPlatform.js, httpTaxii.js, httpRollingFeed.ts,
// graphql/sseMiddleware.js and http/httpMcp.ts). Everything else, the web
// front-end ("/", "/static/*", "/public/*"), sign-in ("/auth/*", "/logout")
// and the chatbot included, gets 404 from the load balancer.
func APIRoutes() []APIRoute {
	return []APIRoute{
		{"/graphql", networkingv1.PathTypePrefix, "GraphQL API (pycti, connectors, scripts), WebSocket subscriptions"},
		{"/taxii2", networkingv1.PathTypePrefix, "TAXII 2.1 server (discovery, collections, objects)"},
		{"/stream", networkingv1.PathTypePrefix, "live streams (SSE) and stream connections"},
		{"/feeds", networkingv1.PathTypePrefix, "CSV/text rolling feeds"},
		{"/storage", networkingv1.PathTypePrefix, "file download (get, view, html, encrypted)"},
		{"/schema", networkingv1.PathTypeExact, "GraphQL schema for API clients"},
		{"/health", networkingv1.PathTypeExact, "health check with the access key (pipeline smoke checks)"},
		{"/mcp", networkingv1.PathTypeExact, "MCP server (token-authenticated; where the release has it)"},
	}
}

// NewIngressChart creates the two Ingresses: the ui host to the opencti-ui
// Service (token requests answered 403), the api host's APIRoutes to the
// opencti-connector-api Service and 404 for every other path. worker-api has
// no Ingress. Attach it last (and, in CDK, make it depend on the load
// balancer controller so Ingresses are deleted before it).
func NewIngressChart(scope constructs.Construct, id string, props *Props) (cdk8s.Chart, error) {
	if err := props.Validate(); err != nil {
		return nil, err
	}
	return newIngressChart(scope, id, props.withDefaults()), nil
}

func newIngressChart(scope constructs.Construct, id string, p *Props) cdk8s.Chart {
	chart := newChart(scope, id, p)
	in := p.Ingress
	// One ALB per host: each has its own scheme, WAF rules, access logs and
	// alarms, and API traffic never shares the UI's load balancer.
	uiGroup, apiGroup := *in.GroupName+"-ui", *in.GroupName+"-api"
	uiLB, apiLB := LoadBalancerNames(*in.GroupName)

	uiAnnotations := albAnnotations(p, in.UI, uiGroup, uiLB, AccessLogsPrefixUI)
	uiPaths := []networkingv1.HTTPIngressPath{backendPath(UIName, "http")}
	if *in.RejectTokenRequestsOnUI {
		uiAnnotations[albPrefix+"actions."+rejectTokensAction] = mustJSON(map[string]any{
			"type": "fixed-response",
			"fixedResponseConfig": map[string]string{
				"contentType": "text/plain",
				"statusCode":  "403",
				"messageBody": RejectedTokenMessage(p.Hostnames.UI, p.Hostnames.API),
			},
		})
		uiAnnotations[albPrefix+"conditions."+rejectTokensAction] = mustJSON([]any{map[string]any{
			"field":            "http-header",
			"httpHeaderConfig": map[string]any{"httpHeaderName": "Authorization", "values": RejectedAuthorizationValues()},
		}})
		// Rules are evaluated in path order: the reject rule comes first.
		uiPaths = append([]networkingv1.HTTPIngressPath{backendPath(rejectTokensAction, "use-annotation")}, uiPaths...)
	}
	addIngress(chart, p, "UiIngress", UIIngressName, ComponentUI, p.Hostnames.UI, uiAnnotations, uiPaths)

	// The api host forwards the API routes only, in this order, then answers
	// 404 to every other path (the last, catch-all rule).
	apiAnnotations := albAnnotations(p, in.API, apiGroup, apiLB, AccessLogsPrefixAPI)
	apiAnnotations[albPrefix+"actions."+notAnAPIRouteAction] = mustJSON(map[string]any{
		"type": "fixed-response",
		"fixedResponseConfig": map[string]string{
			"contentType": "text/plain",
			"statusCode":  "404",
			"messageBody": NotAnAPIRouteMessage(p.Hostnames.UI, p.Hostnames.API),
		},
	})
	var apiPaths []networkingv1.HTTPIngressPath
	for _, r := range APIRoutes() {
		path := backendPath(ConnectorAPIName, "http")
		path.Path, path.PathType = r.Path, ptr(r.PathType)
		apiPaths = append(apiPaths, path)
	}
	apiPaths = append(apiPaths, backendPath(notAnAPIRouteAction, "use-annotation"))
	addIngress(chart, p, "ApiIngress", APIIngressName, ComponentConnectorAPI, p.Hostnames.API, apiAnnotations, apiPaths)
	return chart
}

// NotAnAPIRouteMessage is the body of the api host's 404 answer to every
// path that is not an API route.
func NotAnAPIRouteMessage(uiHost, apiHost string) string {
	routes := make([]string, 0, len(APIRoutes()))
	for _, r := range APIRoutes() {
		routes = append(routes, r.Path)
	}
	return "404 Not Found: " + apiHost + " serves the OpenCTI API only (" + strings.Join(routes, ", ") +
		"). People use the web UI at https://" + uiHost + "/ instead.\n"
}

// RejectedTokenMessage is the body of the ui host's 403 answer to API
// clients.
func RejectedTokenMessage(uiHost, apiHost string) string {
	return "403 Forbidden: " + uiHost + " serves the OpenCTI web UI to browsers only. " +
		"API clients (Authorization: Bearer <token> or Basic) must call https://" + apiHost + "/graphql instead.\n"
}

func addIngress(chart constructs.Construct, p *Props, id, name, component, host string,
	annotations map[string]string, paths []networkingv1.HTTPIngressPath) {
	object{
		apiVersion: "networking.k8s.io/v1", kind: "Ingress", name: name, namespace: *p.Namespace,
		labels: objectLabels(p, component, ""), annotations: annotations,
		fields: map[string]any{"spec": networkingv1.IngressSpec{
			IngressClassName: p.Ingress.ClassName,
			TLS:              []networkingv1.IngressTLS{{Hosts: []string{host}}},
			Rules: []networkingv1.IngressRule{{
				Host:             host,
				IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: paths}},
			}},
		}},
	}.add(p, chart, id)
}

func backendPath(service, portName string) networkingv1.HTTPIngressPath {
	return networkingv1.HTTPIngressPath{
		Path:     "/",
		PathType: ptr(networkingv1.PathTypePrefix),
		Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
			Name: service, Port: networkingv1.ServiceBackendPort{Name: portName},
		}},
	}
}

// albAnnotations configure the AWS Load Balancer Controller: HTTPS with an
// HTTP->HTTPS redirect, IP targets (pods), the TLS 1.3 policy, an idle
// timeout long enough for WebSocket/SSE, invalid header fields dropped,
// access logs under logPrefix (when a bucket is set), a 30 s deregistration
// delay (the pods' preStop sleep covers it), the shallow health check, the
// host's scheme, subnets and WAF web ACL.
func albAnnotations(p *Props, h IngressHostProps, group, name, logPrefix string) map[string]string {
	in := p.Ingress
	attributes := fmt.Sprintf("idle_timeout.timeout_seconds=%d,routing.http.drop_invalid_header_fields.enabled=true", *in.IdleTimeoutSeconds)
	if in.AccessLogsBucket != nil {
		attributes += ",access_logs.s3.enabled=true,access_logs.s3.bucket=" + *in.AccessLogsBucket + ",access_logs.s3.prefix=" + logPrefix
	}
	a := map[string]string{
		albPrefix + "scheme":                       *h.Scheme,
		albPrefix + "target-type":                  "ip",
		albPrefix + "backend-protocol":             "HTTP",
		albPrefix + "listen-ports":                 `[{"HTTPS":443},{"HTTP":80}]`,
		albPrefix + "ssl-redirect":                 "443",
		albPrefix + "ssl-policy":                   *in.SSLPolicy,
		albPrefix + "group.name":                   group,
		albPrefix + "load-balancer-name":           name,
		albPrefix + "healthcheck-path":             HealthCheckPath,
		albPrefix + "success-codes":                HealthCheckSuccessCodes,
		albPrefix + "healthcheck-interval-seconds": "15",
		albPrefix + "load-balancer-attributes":     attributes,
		albPrefix + "target-group-attributes":      "deregistration_delay.timeout_seconds=30",
	}
	if len(h.CertificateARNs) > 0 {
		a[albPrefix+"certificate-arn"] = strings.Join(h.CertificateARNs, ",")
	}
	if len(h.Subnets) > 0 {
		a[albPrefix+"subnets"] = strings.Join(h.Subnets, ",")
	}
	if waf := h.WafAclARN; waf != nil {
		a[albPrefix+"wafv2-acl-arn"] = *waf
	} else if in.WafAclARN != nil {
		a[albPrefix+"wafv2-acl-arn"] = *in.WafAclARN
	}
	return a
}

// LoadBalancerNames are the names of the ui and api load balancers of the
// Ingress group base: "<base>-ui" and "<base>-api", dots turned into hyphens
// and base shortened so that both fit the 32 characters an ALB name allows.
// Alarms find the load balancers by these names.
func LoadBalancerNames(base string) (ui, api string) {
	b := strings.ReplaceAll(base, ".", "-")
	if len(b) > 28 {
		b = b[:28]
	}
	b = strings.Trim(b, "-")
	return b + "-ui", b + "-api"
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
