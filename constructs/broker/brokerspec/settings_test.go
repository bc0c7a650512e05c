package brokerspec_test

import (
	"testing"

	"github.com/opencti-ha/opencti-ha/constructs/broker/brokerspec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

func TestDefaultSettingsAreValidEvenInProduction(t *testing.T) {
	var p problems.List
	brokerspec.DefaultSettings().Check(&p, problems.GoNames(""), brokerspec.Limits{Production: true})
	if err := p.Err(); err != nil {
		t.Error(err)
	}
}

func TestSingleInstanceIsNotForProduction(t *testing.T) {
	s := brokerspec.DefaultSettings()
	s.DeploymentMode, s.InstanceType = brokerspec.DeploymentModeSingleInstance, "mq.t3.micro"
	var p problems.List
	s.Check(&p, problems.YAMLNames("data.broker."), brokerspec.Limits{})
	if err := p.Err(); err != nil {
		t.Errorf("dev: %v", err)
	}
	s.Check(&p, problems.YAMLNames("data.broker."), brokerspec.Limits{Production: true})
	want := `data.broker.deploymentMode: got "SINGLE_INSTANCE", want "CLUSTER_MULTI_AZ" in prod`
	if err := p.Err(); err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
