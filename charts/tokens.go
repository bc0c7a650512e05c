package charts

import (
	corev1 "k8s.io/api/core/v1"
)

// tokenConsumer is one OpenCTI identity's token: the Secret it lives in and
// the Deployments whose pods read it.
type tokenConsumer struct {
	// connector is the connector the identity belongs to; nil for the workers.
	connector *ConnectorProps
	// secret holds the token (key TokenSecretKey).
	secret string
	// deployments read it: the Job rolls them onto a new token and may patch
	// exactly them.
	deployments []string
}

// workerTokenConsumer is the workers' identity: the one place that says
// which Deployment runs the worker containers, the worker-api tier's
// (WorkerDeploymentName). Rolling it onto a new token restarts the
// worker-api pods, platform and workers, one at a time.
func workerTokenConsumer() tokenConsumer {
	return tokenConsumer{secret: WorkerTokenSecretName, deployments: []string{WorkerDeploymentName}}
}

// connectorTokenConsumer is one connector's identity.
func connectorTokenConsumer(c *ConnectorProps) tokenConsumer {
	return tokenConsumer{connector: c, secret: ConnectorTokenSecretName(c.Name), deployments: []string{ConnectorObjectName(c.Name)}}
}

// tokenConsumers lists every identity with its token Secret and the
// Deployments that use it, workers first, then the connectors in order. It
// is the one source of "which Deployments use which token": the Job's spec
// (what it rolls), its Role (which Secrets and Deployments it may patch) and
// the pre-created token Secrets all come from it.
func tokenConsumers(p *Props) []tokenConsumer {
	out := []tokenConsumer{workerTokenConsumer()}
	for i := range p.Connectors {
		out = append(out, connectorTokenConsumer(&p.Connectors[i]))
	}
	return out
}

// workerTokenEnv is the OPENCTI_TOKEN of every worker container: its own
// token Secret with Identities, the admin token (from WorkerSecretName)
// without.
func workerTokenEnv(p *Props) corev1.EnvVar {
	if *p.Identities.Enabled {
		return envSecret(TokenSecretKey, workerTokenConsumer().secret, TokenSecretKey)
	}
	return envSecret(TokenSecretKey, WorkerSecretName, TokenSecretKey)
}

// connectorTokenEnv is a connector container's OPENCTI_TOKEN: its own token
// Secret with Identities, its Token (from its ExternalSecret) without.
func connectorTokenEnv(p *Props, c *ConnectorProps) corev1.EnvVar {
	if *p.Identities.Enabled {
		return envSecret(TokenSecretKey, connectorTokenConsumer(c).secret, TokenSecretKey)
	}
	return envSecret(TokenSecretKey, ConnectorSecretName(c.Name), TokenSecretKey)
}

// tokenVolumeName and tokenMountPath are where wait-for-token sees the
// token Secret.
const (
	tokenVolumeName = "opencti-token"
	tokenMountPath  = "/run/opencti-token"
)

// waitForTokenScript waits until the token Secret, mounted as a volume (the
// kubelet refreshes it when the Secret changes), holds the key: the
// container's environment is read once, when it starts, so the token must be
// there first. It reads the file's size, never its content.
const waitForTokenScript = `const fs = require('fs');
const file = process.env.TOKEN_DIR + '/' + process.env.TOKEN_KEY;
const poll = () => {
  let size = 0;
  try { size = fs.statSync(file).size; } catch (e) { size = 0; }
  if (size > 0) { console.log('token present in Secret ' + process.env.TOKEN_SECRET); process.exit(0); }
  console.log('waiting for key ' + process.env.TOKEN_KEY + ' of Secret ' + process.env.TOKEN_SECRET + ' (the identities Job writes it)');
  setTimeout(poll, 5000);
};
poll();`

// tokenWait is what a pod that reads a token Secret adds with Identities:
// the init container that waits for the token (after wait-for-platform) and
// the Secret's volume it watches. Without Identities the token comes from an
// ExternalSecret like every other secret: nothing to add.
//
// The volume is optional: the worker-api pods (Platform chart) are applied
// before the Identities chart creates their token Secret, and a missing
// Secret behind a required volume would hold the whole pod, its platform
// included, in ContainerCreating. An optional Secret volume that does not
// exist yet is mounted empty, and the kubelet fills it once the Secret
// exists (a secret volume is set up again at every pod sync:
// kubernetes/kubernetes pkg/volume/secret/secret.go, SetUpAt tolerates
// NotFound when optional, RequiresRemount is true); wait-for-token keeps
// polling meanwhile. The token's environment variable stays required.
func tokenWait(p *Props, secret string) ([]corev1.Container, []corev1.Volume) {
	if !*p.Identities.Enabled {
		return nil, nil
	}
	c := corev1.Container{
		Name:    "wait-for-token",
		Image:   image(p, "platform"),
		Command: []string{"node", "-e", waitForTokenScript},
		Env: []corev1.EnvVar{
			envValue("TOKEN_DIR", tokenMountPath),
			envValue("TOKEN_KEY", TokenSecretKey),
			envValue("TOKEN_SECRET", secret),
			envValue("NODE_OPTIONS", "--max-old-space-size=64"),
		},
		Resources:       Resources{RequestsCPU: "10m", RequestsMemory: "64Mi", LimitsCPU: "200m", LimitsMemory: "128Mi"}.requirements(),
		SecurityContext: containerSecurityContext(),
		VolumeMounts:    []corev1.VolumeMount{{Name: tokenVolumeName, MountPath: tokenMountPath, ReadOnly: true}},
	}
	v := corev1.Volume{Name: tokenVolumeName, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
		SecretName: secret, DefaultMode: ptr(int32(0o440)), Optional: ptr(true),
	}}}
	return []corev1.Container{c}, []corev1.Volume{v}
}
