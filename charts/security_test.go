package charts_test

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"

	"github.com/opencti-ha/opencti-ha/charts"
)

func TestPodsAreHardened(t *testing.T) {
	for _, w := range large.workloads(t) {
		spec := w.template.Spec
		psc := spec.SecurityContext
		if psc == nil || !*psc.RunAsNonRoot || *psc.RunAsUser != 1000 || *psc.RunAsGroup != 1000 ||
			psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("%s: pod securityContext %+v", w.name, psc)
		}
		// Only the identities Job talks to the Kubernetes API.
		if mounts := spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken; mounts != (w.kind == "Job") {
			t.Errorf("%s %s: mounts a service account token: %v", w.kind, w.name, mounts)
		}
		// What each mount may be: a size-limited emptyDir, or read-only the
		// pod's own token Secret (wait-for-token) or, for the Job, its
		// program and its Secret.
		emptyDirs, readOnly := map[string]bool{}, map[string]string{}
		for _, v := range spec.Volumes {
			switch {
			case v.EmptyDir != nil && v.EmptyDir.SizeLimit != nil:
				emptyDirs[v.Name] = true
			case v.Secret != nil:
				readOnly[v.Name] = "Secret " + v.Secret.SecretName
			case v.ConfigMap != nil && w.kind == "Job":
				readOnly[v.Name] = "ConfigMap " + v.ConfigMap.Name
			case v.Projected != nil && w.kind == "Job":
				readOnly[v.Name] = "projected ConfigMaps"
				for _, src := range v.Projected.Sources {
					if src.ConfigMap == nil {
						delete(readOnly, v.Name) // only ConfigMaps may be projected
					}
				}
			}
		}
		for _, c := range allContainers(spec) {
			sc := c.SecurityContext
			if sc == nil || *sc.AllowPrivilegeEscalation || !*sc.ReadOnlyRootFilesystem || !*sc.RunAsNonRoot ||
				sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" || len(sc.Capabilities.Add) != 0 {
				t.Errorf("%s/%s: securityContext %+v", w.name, c.Name, sc)
			}
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				req, lim := c.Resources.Requests[r], c.Resources.Limits[r]
				if req.IsZero() || lim.IsZero() || req.Cmp(lim) > 0 {
					t.Errorf("%s/%s: %s request %s limit %s", w.name, c.Name, r, req.String(), lim.String())
				}
			}
			for _, m := range c.VolumeMounts {
				if emptyDirs[m.Name] {
					continue
				}
				if what, ok := readOnly[m.Name]; !ok || !m.ReadOnly {
					t.Errorf("%s/%s: mount %s is neither a size-limited emptyDir nor a read-only Secret (%q)", w.name, c.Name, m.Name, what)
				}
			}
		}
		if w.kind == "Job" {
			continue
		}
		running := spec.Containers // plain init containers wait or copy, and write nothing else
		for _, c := range spec.InitContainers {
			if c.RestartPolicy != nil { // a native sidecar runs for the pod's life
				running = append(running, c)
			}
		}
		for _, c := range running {
			mounts := map[string]bool{}
			for _, m := range c.VolumeMounts {
				mounts[m.MountPath] = true
			}
			want := []string{"/tmp"}
			if c.Name == "opencti" {
				want = append(want, "/opt/opencti/logs", "/opt/opencti/.support")
			}
			for _, path := range want {
				if !mounts[path] {
					t.Errorf("%s/%s: %s is not writable (no emptyDir)", w.name, c.Name, path)
				}
			}
		}
	}
}

func TestImagesArePinned(t *testing.T) {
	for _, w := range large.workloads(t) {
		for _, c := range allContainers(w.template.Spec) {
			tag := ""
			if colon := strings.LastIndex(c.Image, ":"); colon > strings.LastIndex(c.Image, "/") {
				tag = c.Image[colon+1:]
			}
			if tag == "" || tag == "latest" {
				t.Errorf("%s/%s: image %q has no pinned tag", w.name, c.Name, c.Image)
			}
			if !strings.HasSuffix(c.Image, ":7.260817.0") {
				t.Errorf("%s/%s: image %q does not run the shared OpenCTI version", w.name, c.Name, c.Image)
			}
		}
	}
}

func TestPlacementSpreadAndDisruptionBudgets(t *testing.T) {
	pdbs := map[string]policyv1.PodDisruptionBudget{}
	for _, d := range large.find("PodDisruptionBudget", "") {
		var pdb policyv1.PodDisruptionBudget
		decode(t, d, &pdb)
		pdbs[pdb.Name] = pdb
	}
	deps := large.deployments(t)
	for _, dep := range deps {
		spec := dep.Spec.Template.Spec
		pool := "ingestion"
		if dep.Name == charts.UIName || dep.Name == charts.ConnectorAPIName {
			pool = "user-facing"
		}
		if spec.NodeSelector["opencti-ha/pool"] != pool || len(spec.NodeSelector) != 1 {
			t.Errorf("%s: nodeSelector %v, want opencti-ha/pool=%s", dep.Name, spec.NodeSelector, pool)
		}
		if len(spec.Tolerations) != 1 || spec.Tolerations[0].Key != "opencti-ha/pool" || spec.Tolerations[0].Value != pool ||
			spec.Tolerations[0].Effect != corev1.TaintEffectNoSchedule || spec.Tolerations[0].Operator != corev1.TolerationOpEqual {
			t.Errorf("%s: tolerations %+v, want opencti-ha/pool=%s:NoSchedule", dep.Name, spec.Tolerations, pool)
		}
		keys := map[string]bool{}
		for _, c := range spec.TopologySpreadConstraints {
			keys[c.TopologyKey] = true
			if !selects(t, c.LabelSelector, dep.Spec.Template.Labels) || c.MaxSkew != 1 {
				t.Errorf("%s: spread constraint %+v does not select its own pods", dep.Name, c)
			}
		}
		if !keys["topology.kubernetes.io/zone"] || !keys["kubernetes.io/hostname"] {
			t.Errorf("%s: spread over %v, want zone and hostname", dep.Name, keys)
		}
		pdb, ok := pdbs[dep.Name]
		if !ok {
			t.Errorf("%s: no PodDisruptionBudget", dep.Name)
			continue
		}
		if pdb.Spec.MaxUnavailable == nil || pdb.Spec.MaxUnavailable.IntValue() != 1 || !selects(t, pdb.Spec.Selector, dep.Spec.Template.Labels) {
			t.Errorf("%s: PDB %+v", dep.Name, pdb.Spec)
		}
		if got := podsMatching(deps, pdb.Spec.Selector.MatchLabels); len(got) != 1 {
			t.Errorf("PDB %s covers %v", pdb.Name, got)
		}
	}
	if len(pdbs) != len(deps) {
		t.Errorf("%d PDBs for %d Deployments", len(pdbs), len(deps))
	}
}
