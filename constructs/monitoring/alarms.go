package monitoring

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// alarmSpec is one alarm: what it watches, when it fires and what the person
// paged should know.
type alarmSpec struct {
	// id is the construct ID (PascalCase) and, lower-cased with hyphens, the
	// alarm name suffix.
	id     string
	name   string
	metric awscloudwatch.IMetric
	// op and threshold: the alarm fires when metric op threshold.
	op        awscloudwatch.ComparisonOperator
	threshold float64
	// periods is how many consecutive breaching periods fire the alarm.
	periods int
	// datapoints, when set, is how many of the periods must breach
	// (DatapointsToAlarm). Default: periods.
	datapoints int
	// missing says what a period without data counts as.
	missing awscloudwatch.TreatMissingData
	// meaning says what the alarm means; check, the first thing to look at.
	meaning, check string
}

// alarm creates the alarm described by s under scope, with an alarm and an OK
// action to the topic, and records it for the dashboard's status row.
func (m *monitoring) alarm(scope constructs.Construct, s alarmSpec) awscloudwatch.Alarm {
	if s.periods == 0 {
		s.periods = 1
	}
	if s.datapoints == 0 {
		s.datapoints = s.periods
	}
	name := m.prefix + "-" + s.name
	a := awscloudwatch.NewAlarm(scope, jsii.String(s.id), &awscloudwatch.AlarmProps{
		AlarmName:          jsii.String(name),
		AlarmDescription:   jsii.String(strings.TrimSpace(s.meaning) + " First check: " + strings.TrimSpace(s.check)),
		Metric:             s.metric,
		ComparisonOperator: s.op,
		Threshold:          jsii.Number(s.threshold),
		EvaluationPeriods:  jsii.Number(float64(s.periods)),
		DatapointsToAlarm:  jsii.Number(float64(s.datapoints)),
		TreatMissingData:   s.missing,
	})
	action := awscloudwatchactions.NewSnsAction(m.topic)
	a.AddAlarmAction(action)
	a.AddOkAction(action)
	m.alarms = append(m.alarms, a)
	return a
}

// metric is a plain CloudWatch metric with dimensions.
func metric(namespace, name, statistic string, period float64, dims map[string]*string) awscloudwatch.Metric {
	d := map[string]*string{}
	for k, v := range dims {
		d[k] = v
	}
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     jsii.String(namespace),
		MetricName:    jsii.String(name),
		Statistic:     jsii.String(statistic),
		Period:        awscdk.Duration_Seconds(jsii.Number(period)),
		DimensionsMap: &d,
	})
}

// expression is a metric math expression over the named metrics.
func expression(expr, label string, period float64, using map[string]awscloudwatch.IMetric) awscloudwatch.MathExpression {
	return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression:   jsii.String(expr),
		Label:        jsii.String(label),
		Period:       awscdk.Duration_Seconds(jsii.Number(period)),
		UsingMetrics: &using,
	})
}

// Comparison operators and missing-data treatments, shortened.
var (
	gte     = awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD
	gt      = awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD
	lte     = awscloudwatch.ComparisonOperator_LESS_THAN_OR_EQUAL_TO_THRESHOLD
	lt      = awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD
	breach  = awscloudwatch.TreatMissingData_BREACHING
	nobreak = awscloudwatch.TreatMissingData_NOT_BREACHING
)

// graph is a dashboard line graph.
func graph(title string, metrics ...awscloudwatch.IMetric) awscloudwatch.IWidget {
	return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
		Title:  jsii.String(title),
		Left:   &metrics,
		Width:  jsii.Number(6),
		Height: jsii.Number(6),
	})
}

// header is the text widget that starts a dashboard row.
func header(markdown string) awscloudwatch.IWidget {
	return awscloudwatch.NewTextWidget(&awscloudwatch.TextWidgetProps{
		Markdown: jsii.String(markdown),
		Width:    jsii.Number(24),
		Height:   jsii.Number(1),
	})
}
