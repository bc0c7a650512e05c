// Package nodepath gives Go code the Node.js that the repository's resolver,
// .tools/node-path, chooses for this machine: the Node.js package pinned for
// the platform when npm installed it, else the node on PATH when it is
// Node.js 22 or newer, else an error that names the platform, what was looked
// for and how to fix it. The Makefile (through the .tools/bin/node link it
// makes), .ci/run, the CDK CLI tests in test/ and bin/bench all ask the same
// script, so every command that starts Node.js (jsii-runtime-go starts `node`
// from PATH, the CDK CLI is a `#!/usr/bin/env node` script) gets the same one.
package nodepath

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Script is the resolver, relative to the repository root.
const Script = ".tools/node-path"

// Find runs the resolver of the repository at root and returns the absolute
// path of the Node.js it chose. A note the resolver prints when it falls back
// to the node on PATH is passed on to os.Stderr. When no Node.js is usable the
// error carries the resolver's explanation.
func Find(root string) (string, error) {
	cmd := exec.Command(filepath.Join(root, Script))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return "", fmt.Errorf("%s", msg)
		}
		return "", fmt.Errorf("%s: %v", Script, err)
	}
	os.Stderr.Write(stderr.Bytes())
	node := strings.TrimSpace(stdout.String())
	if !filepath.IsAbs(node) {
		return "", fmt.Errorf("%s printed %q, want an absolute path", Script, node)
	}
	return node, nil
}

// Link makes dir/node a symbolic link to the Node.js that Find chooses and
// returns the link's target. With dir first on PATH, whatever starts `node`
// from PATH runs the chosen Node.js, as under make.
func Link(root, dir string) (string, error) {
	node, err := Find(root)
	if err != nil {
		return "", err
	}
	link := filepath.Join(dir, "node")
	if err := os.Remove(link); err != nil && !os.IsNotExist(err) {
		return "", err
	}
	return node, os.Symlink(node, link)
}
