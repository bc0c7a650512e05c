// Package test holds the cross-stack and end-to-end synth tests: the whole app
// synthesized twice (byte-for-byte determinism), the stack dependency graph
// read from the cloud assembly manifest, a scan of every template for secret
// values, CloudFormation and Lambda limits, and the real CDK CLI and entry
// point run as a user would run them.
package test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/internal/cdkapp"
	"github.com/opencti-ha/opencti-ha/stacks"
)

// synthDirs holds, per environment, the cloud assembly synthesized in this
// process with the embedded default configuration (nag applied).
var synthDirs = map[string]string{}

// repoRoot is the module root (cdk.json, Makefile).
var repoRoot string

func TestMain(m *testing.M) {
	code := func() int {
		defer jsii.Close()
		wd, _ := os.Getwd()
		repoRoot = filepath.Dir(wd)
		for _, env := range config.Environments {
			dir, err := synthesize(env, "assembly-"+env)
			if err != nil {
				fmt.Fprintf(os.Stderr, "synth %s: %v\n", env, err)
				return 1
			}
			synthDirs[env] = dir
		}
		return m.Run()
	}()
	os.Exit(code)
}

var tmpRoot string

// synthesize builds and synthesizes the whole app for env into a new folder.
func synthesize(env, name string) (string, error) {
	return synth(env, "", name)
}

// synthesizeFile does the same for a configuration file.
func synthesizeFile(path, name string) (string, error) {
	return synth("", path, name)
}

func synth(env, path, name string) (dir string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("synth panicked: %v", r)
		}
	}()
	if tmpRoot == "" {
		if tmpRoot, err = os.MkdirTemp("", "opencti-ha-test-"); err != nil {
			return "", err
		}
	}
	cfg, err := config.Load(env, path)
	if err != nil {
		return "", err
	}
	dir = filepath.Join(tmpRoot, name)
	app, err := cdkapp.New(dir, true)
	if err != nil {
		return "", err
	}
	stacks.NewOpenCTIApp(app, cfg)
	cdkapp.AddNag(app)
	asm := app.Synth(nil)
	if errs := cdkapp.Errors(asm); len(errs) > 0 {
		return dir, fmt.Errorf("%d unsuppressed errors: %v", len(errs), errs)
	}
	return dir, nil
}
