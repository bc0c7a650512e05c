package cluster

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
)

// addExternalSecrets installs the External Secrets Operator with its CRDs,
// gives its service account a Pod Identity role that can read only the
// secrets under SecretsPrefix, and creates the ClusterSecretStore.
func (c *cluster) addExternalSecrets(r *resolved, stack awscdk.Stack) {
	secretArn := fmt.Sprintf("arn:%s:secretsmanager:%s:%s:secret:%s/*",
		*stack.Partition(), *stack.Region(), *stack.Account(), r.SecretsPrefix)
	role := awsiam.NewRole(c.Construct, jsii.String("ExternalSecretsRole"), &awsiam.RoleProps{
		AssumedBy:   PodIdentityPrincipal(),
		Description: jsii.String(fmt.Sprintf("External Secrets Operator: read-only access to Secrets Manager secrets %s/*", r.SecretsPrefix)),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"ReadSecrets": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &[]awsiam.PolicyStatement{
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Sid:       jsii.String("ReadSecretsUnderPrefix"),
					Actions:   jsii.Strings("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"),
					Resources: jsii.Strings(secretArn),
				}),
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Sid:       jsii.String("DecryptThroughSecretsManager"),
					Actions:   jsii.Strings("kms:Decrypt"),
					Resources: jsii.Strings(fmt.Sprintf("arn:%s:kms:%s:%s:key/*", *stack.Partition(), *stack.Region(), *stack.Account())),
					Conditions: &map[string]any{"StringEquals": map[string]any{
						"kms:ViaService": fmt.Sprintf("secretsmanager.%s.amazonaws.com", *stack.Region()),
					}},
				}),
			}}),
		},
	})
	c.externalSecretsRl = role
	association := NewPodIdentityAssociation(c.Construct, "ExternalSecretsPodIdentity", &PodIdentityAssociationProps{
		Cluster:        c.cluster,
		Namespace:      ExternalSecretsNamespace,
		ServiceAccount: ExternalSecretsServiceAccount,
		Role:           role,
	})
	c.esoAssociation = association

	replicas := r.esoReplicas
	ha := replicas > 1
	spread := []any{map[string]any{
		"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway",
		"labelSelector": map[string]any{"matchLabels": map[string]any{"app.kubernetes.io/instance": "external-secrets"}},
	}}
	c.externalSecrets = awseksv2.NewHelmChart(c.Construct, jsii.String("ExternalSecrets"), &awseksv2.HelmChartProps{
		Cluster:         c.cluster,
		Chart:           jsii.String("external-secrets"),
		Repository:      jsii.String(ExternalSecretsChartRepository),
		Version:         jsii.String(r.chartVersion),
		Release:         jsii.String("external-secrets"),
		Namespace:       jsii.String(ExternalSecretsNamespace),
		CreateNamespace: jsii.Bool(true),
		SkipCrds:        jsii.Bool(false),
		// Wait for the webhook to serve before the ClusterSecretStore is applied.
		Wait:    jsii.Bool(true),
		Timeout: awscdk.Duration_Minutes(jsii.Number(10)), // below the kubectl Lambda's 15-minute limit
		Values: &map[string]any{
			"installCRDs":  true,
			"replicaCount": replicas,
			"leaderElect":  ha,
			"serviceAccount": map[string]any{
				"create": true,
				"name":   ExternalSecretsServiceAccount,
			},
			"podDisruptionBudget": map[string]any{"enabled": ha, "minAvailable": 1},
			"webhook": map[string]any{
				"replicaCount":        replicas,
				"podDisruptionBudget": map[string]any{"enabled": ha, "minAvailable": 1},
			},
			"certController": map[string]any{"replicaCount": 1},
			"global":         map[string]any{"topologySpreadConstraints": spread},
		},
	})
	// Pod Identity injects credentials when a pod is created: the association
	// must exist before the operator's pods start.
	c.externalSecrets.Node().AddDependency(association)

	store := map[string]any{
		"apiVersion": "external-secrets.io/v1",
		"kind":       "ClusterSecretStore",
		"metadata":   map[string]any{"name": DefaultSecretStoreName},
		"spec": map[string]any{
			// Only these namespaces may reference the store.
			"conditions": []any{map[string]any{"namespaces": r.SecretStoreNamespaces}},
			"provider": map[string]any{"aws": map[string]any{
				"service": "SecretsManager",
				"region":  *stack.Region(),
				// No auth block: the controller's Pod Identity credentials are used.
			}},
		},
	}
	c.secretStore = awseksv2.NewKubernetesManifest(c.Construct, jsii.String("SecretStore"), &awseksv2.KubernetesManifestProps{
		Cluster:   c.cluster,
		Manifest:  &[]*map[string]any{&store},
		Overwrite: jsii.Bool(true),
	})
	c.secretStore.Node().AddDependency(c.externalSecrets)
}
