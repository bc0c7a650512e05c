package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/internal/testmain"
)

// TestMain closes the jsii runtime the packages under test import.
func TestMain(m *testing.M) { testmain.Run(m) }

// TestBuildReportsPanicsAsMessages: a construct that rejects its props, or a
// failure jsii raises as a panic, reaches the user as the error build
// returns (printed as "opencti-ha: cannot build the stacks:" and the
// message), never as a Go stack trace. It runs no jsii.
func TestBuildReportsPanicsAsMessages(t *testing.T) {
	var invalid problems.List
	invalid.Add("network.NetworkProps.Settings.NatGateways", 5, "1 to 3 (one per availability zone)")
	err := build(func() { problems.PanicIfInvalid("network.AddNetwork", "Network", invalid.Err()) })
	var ip *problems.InvalidProps
	if !errors.As(err, &ip) || err.Error() != "network.AddNetwork \"Network\": invalid props:\n"+
		"network.NetworkProps.Settings.NatGateways: got 5, want 1 to 3 (one per availability zone)" {
		t.Errorf("invalid props: %v", err)
	}
	if err := build(func() { panic(fmt.Errorf("Error: Cannot find asset")) }); err == nil || err.Error() != "Error: Cannot find asset" {
		t.Errorf("jsii error: %v", err)
	}
	if err := build(func() {}); err != nil {
		t.Errorf("no panic: %v", err)
	}
	if got := indent("a\nb"); got != "  a\n  b" || strings.Contains(got, "goroutine") {
		t.Errorf("indent %q", got)
	}
}
