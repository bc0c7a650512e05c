// Package cli runs the app as its users do: the pinned CDK CLI synthesizing
// the prod profile with no AWS credentials, compared with the same profile
// synthesized in this process, the entry point failing on bad configuration
// files, and the determinism check (the prod profile synthesized twice in
// this process, every file byte for byte).
//
// TestMain builds the app binary once (e2e.BuildApp), starts the CDK CLI in
// the background and synthesizes prod twice meanwhile: the CLI's Node.js
// processes and this process's jsii runtime use the machine's two cores side
// by side. TestCdkCLISynthWithoutCredentials then reads what the CLI printed
// and wrote.
package cli

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/internal/e2e"
)

// repoRoot is the module root (cdk.json, Makefile).
var repoRoot string

// prodDir and prodAgainDir are the prod profile's cloud assemblies,
// synthesized twice in this process with cdk-nag (the package test
// validates the prod templates; the CLI synthesizes without validation too).
var prodDir, prodAgainDir string

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
		tmp, err := os.MkdirTemp("", "opencti-ha-cli-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(tmp)
		if _, err := e2e.BuildApp(repoRoot); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		done, err := startCLI(filepath.Join(tmp, "cli"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		prodDir, prodAgainDir = filepath.Join(tmp, "assembly-prod"), filepath.Join(tmp, "assembly-prod-again")
		for _, dir := range []string{prodDir, prodAgainDir} {
			if err := e2e.Synth("prod", "", dir, false); err != nil {
				fmt.Fprintf(os.Stderr, "synth prod: %v\n", err)
				<-done
				return 1
			}
		}
		<-done
		return m.Run()
	}()
	os.Exit(code)
}

// startCLI runs `cdk synth --quiet --no-notices --output <scratch>/out -c env=prod` from
// the repository root in a clean environment (e2e.NewToolEnv: no AWS
// credentials, a fresh HOME) and closes the returned channel when it ends.
func startCLI(scratch string) (<-chan struct{}, error) {
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
