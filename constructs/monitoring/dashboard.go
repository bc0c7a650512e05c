package monitoring

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/jsii-runtime-go"
)

// newDashboard lays out the dashboard: the alarm status of every alarm first,
// then one row per OpenCTI tier, the cluster, and one per data service and
// load balancer, in the order the rows were added.
func (m *monitoring) newDashboard() {
	refs := make([]interfacesawscloudwatch.IAlarmRef, len(m.alarms))
	for i, a := range m.alarms {
		refs[i] = a
	}
	m.rows[0] = []awscloudwatch.IWidget{
		header("# OpenCTI (" + m.prefix + ")\nAlarm descriptions say what each alarm means and what to check first."),
		awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
			Title:  jsii.String("Alarms"),
			Alarms: &refs,
			Width:  jsii.Number(24),
			Height: jsii.Number(4),
		}),
	}
	m.dashboard = awscloudwatch.NewDashboard(m.Construct, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName:   m.r.DashboardName,
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(6)),
	})
	for _, row := range m.rows {
		m.dashboard.AddWidgets(row...)
	}
}
