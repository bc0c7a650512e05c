// Package test holds the cross-stack end-to-end tests of the two embedded
// profiles, each synthesized once in TestMain (dev and prod, with cdk-nag
// and template validation): the stack dependency graph read from the cloud
// assembly manifest, a scan of every template for secret values, what a
// deletion or a failed first creation keeps, CloudFormation limits, the
// manifests against `make render`, the pull-request workflow, the pinned CDK
// CLI synthesizing prod with no AWS credentials (started in the background
// while this process synthesizes: each keeps a core busy) and determinism
// (the CLI's prod, synthesized by the app binary in another process, and
// this process's, byte for byte: both apps get the context the CLI gives,
// e2e.CLIContext). The
// entry point on bad files is in test/cli, the other configurations (a real
// one, a large one) in test/variants: go test runs the packages side by side
// (test/README.md).
package test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/internal/e2e"
)

// synthDirs holds, per environment, the cloud assembly synthesized in this
// process with the embedded default configuration (nag applied, the CLI's
// context).
var synthDirs = map[string]string{}

// repoRoot is the module root (cdk.json, Makefile).
var repoRoot string

// cliRun is the CDK CLI's `cdk synth` of the prod profile, run by TestMain.
var cliRun struct {
	out    string       // its --output folder
	stderr bytes.Buffer // what it printed
	err    error        // its exit (nil: success)
	tool   string       // the CLI path, "" when .tools lacks it
}

func TestMain(m *testing.M) {
	code := func() int {
		defer jsii.Close()
		var err error
		if repoRoot, err = e2e.RepoRoot(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		tmp, err := os.MkdirTemp("", "opencti-ha-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(tmp)
		done, err := startCLI(filepath.Join(tmp, "cli"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer func() { <-done }() // the CLI writes under tmp until it ends
		for _, env := range config.Environments {
			dir := filepath.Join(tmp, "assembly-"+env)
			if err := e2e.Synth(env, "", dir, true, e2e.CLIContext()); err != nil {
				fmt.Fprintf(os.Stderr, "synth %s: %v\n", env, err)
				return 1
			}
			synthDirs[env] = dir
		}
		<-done
		return m.Run()
	}()
	os.Exit(code)
}

// startCLI runs `cdk synth --quiet --no-notices --output <scratch>/out -c
// env=prod` from the repository root in a clean environment
// (e2e.NewToolEnv: no AWS credentials, a fresh HOME) and closes the returned
// channel when it ends. cdk.json's app command builds .build/opencti-ha;
// no other test package runs that binary (e2e.BuildApp).
func startCLI(scratch string) (chan struct{}, error) {
	done := make(chan struct{})
	cdk := filepath.Join(repoRoot, ".tools", "node_modules", ".bin", "cdk")
	if _, err := os.Stat(cdk); err != nil {
		close(done) // TestCdkCLISynthWithoutCredentials says what is missing
		return done, nil
	}
	cliRun.tool = cdk
	env, err := e2e.NewToolEnv(repoRoot, scratch)
	if err != nil {
		return nil, err
	}
	cliRun.out = filepath.Join(scratch, "out")
	// --no-notices: the CLI would fetch its notices from the internet
	// (none on the build machine); skipping them saves about 3 of the 8
	// CPU-seconds of the run and changes nothing the tests read.
	cmd := exec.Command(cdk, "synth", "--quiet", "--no-notices", "--output", cliRun.out, "-c", "env=prod")
	cmd.Dir = repoRoot
	cmd.Env = env
	cmd.Stderr = &cliRun.stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		cliRun.err = cmd.Wait()
		close(done)
	}()
	return done, nil
}
