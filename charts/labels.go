package charts

// Label keys set on every object and pod.
const (
	// LabelName is app.kubernetes.io/name, always "opencti".
	LabelName = "app.kubernetes.io/name"
	// LabelComponent is app.kubernetes.io/component: ui, connector-api,
	// worker-api, worker, connector or identities.
	LabelComponent = "app.kubernetes.io/component"
	// LabelConnector carries a connector's Name on its pods.
	LabelConnector = "opencti-ha/connector"
	labelPartOf    = "app.kubernetes.io/part-of"
	labelManagedBy = "app.kubernetes.io/managed-by"
	labelVersion   = "app.kubernetes.io/version"
)

// Component label values.
const (
	ComponentUI           = "ui"
	ComponentConnectorAPI = "connector-api"
	ComponentWorkerAPI    = "worker-api"
	ComponentWorker       = "worker"
	ComponentConnector    = "connector"
	// ComponentIdentities labels the identity provisioning Job and its objects.
	ComponentIdentities = "identities"
)

// selectorLabels are the immutable labels a Deployment selects its pods by.
func selectorLabels(component string, connector string) map[string]string {
	l := map[string]string{LabelName: "opencti", LabelComponent: component}
	if connector != "" {
		l[LabelConnector] = connector
	}
	return l
}

// objectLabels are the selector labels plus the descriptive ones.
func objectLabels(p *Props, component, connector string) map[string]string {
	l := selectorLabels(component, connector)
	l[labelPartOf] = "opencti-ha"
	l[labelManagedBy] = "cdk8s"
	l[labelVersion] = p.Version
	return l
}

// baseLabels label objects that belong to no single component.
func baseLabels(p *Props) map[string]string {
	return map[string]string{
		LabelName:      "opencti",
		labelPartOf:    "opencti-ha",
		labelManagedBy: "cdk8s",
		labelVersion:   p.Version,
	}
}
