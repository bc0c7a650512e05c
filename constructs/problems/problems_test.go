package problems_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

func TestListReportsEveryProblemInOrder(t *testing.T) {
	var p problems.List
	if p.Err() != nil || p.Len() != 0 {
		t.Fatal("an empty list must report nothing")
	}
	var nilString *string
	name := "opencti"
	p.Add("A.Name", "bad name", "letters")
	p.Add("A.Count", 7, "1 to 5")
	p.Add("A.Vpc", nil, "a VPC")
	p.Add("A.Zone", nilString, "a zone")
	p.Add("A.User", &name, "another user")
	p.Add("A.List", []string{"x", "y"}, "one item")
	p.Add("A.Timeout", problems.Raw("2 hours"), "at most 1 hour")
	p.Addf("A.Stages", "got no stage, want at least %d", 1)
	p.AddErr(nil)
	p.AddErr(errors.New("A.Other: as it is"))
	want := strings.Join([]string{
		`A.Name: got "bad name", want letters`,
		`A.Count: got 7, want 1 to 5`,
		`A.Vpc: got nil, want a VPC`,
		`A.Zone: got nil, want a zone`,
		`A.User: got "opencti", want another user`,
		`A.List: got ["x" "y"], want one item`,
		`A.Timeout: got 2 hours, want at most 1 hour`,
		`A.Stages: got no stage, want at least 1`,
		`A.Other: as it is`,
	}, "\n")
	if got := p.Err().Error(); got != want || p.Len() != 9 {
		t.Errorf("got (%d)\n%s\nwant\n%s", p.Len(), got, want)
	}
}

func TestNamesOfAField(t *testing.T) {
	f := problems.Field{Go: "DataNodes", YAML: "dataNodes"}
	goNames, yamlNames := problems.GoNames("opensearch.DomainProps.Sizing."), problems.YAMLNames("data.opensearch.")
	if got := goNames.Of(f); got != "opensearch.DomainProps.Sizing.DataNodes" {
		t.Errorf("Go name %q", got)
	}
	if got := yamlNames.Of(f); got != "data.opensearch.dataNodes" {
		t.Errorf("YAML name %q", got)
	}
	if goNames.Short(f) != "DataNodes" || yamlNames.Short(f) != "dataNodes" {
		t.Errorf("short names %q %q", goNames.Short(f), yamlNames.Short(f))
	}
}

func TestInvalidPropsNamesTheConstructAndEveryProblem(t *testing.T) {
	var p problems.List
	p.Add("broker.BrokerProps.Username", "a", "2-100 characters")
	p.Add("broker.BrokerProps.RemovalPolicy", "KEEP", "one of RETAIN, DESTROY")
	err := catch(func() { problems.PanicIfInvalid("broker.NewBroker", "RabbitMQ", p.Err()) })
	var invalid *problems.InvalidProps
	if !errors.As(err, &invalid) {
		t.Fatalf("panic %v (%T) is not an *problems.InvalidProps", err, err)
	}
	want := "broker.NewBroker \"RabbitMQ\": invalid props:\n" +
		"broker.BrokerProps.Username: got \"a\", want 2-100 characters\n" +
		"broker.BrokerProps.RemovalPolicy: got \"KEEP\", want one of RETAIN, DESTROY"
	if err.Error() != want {
		t.Errorf("got\n%s\nwant\n%s", err, want)
	}
	if n := len(invalid.Problems()); n != 2 || invalid.Constructor != "broker.NewBroker" || invalid.ID != "RabbitMQ" {
		t.Errorf("%d problems, constructor %q, id %q", n, invalid.Constructor, invalid.ID)
	}
	if err := catch(func() { problems.PanicIfInvalid("broker.NewBroker", "RabbitMQ", nil) }); err != nil {
		t.Errorf("valid props panicked: %v", err)
	}
}

// TestRecoverTurnsEveryPanicIntoAnError: what entry points use so that no
// user sees a Go stack trace.
func TestRecoverTurnsEveryPanicIntoAnError(t *testing.T) {
	for _, tc := range []struct {
		name  string
		value any
		want  string
	}{
		{"invalid props", &problems.InvalidProps{Constructor: "x.NewY", ID: "Z", Err: errors.New("x.YProps.A: got 1, want 2")}, "x.NewY \"Z\": invalid props:\nx.YProps.A: got 1, want 2"},
		{"error", fmt.Errorf("jsii: %s", "Error: Invalid stack name"), "jsii: Error: Invalid stack name"},
		{"value", "boom", "boom"},
	} {
		if err := catch(func() { panic(tc.value) }); err == nil || err.Error() != tc.want {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}

func catch(fn func()) (err error) {
	defer problems.Recover(&err)
	fn()
	return nil
}
