package monitoring

import (
	_ "embed"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/constructs/monitoring/monitoringspec"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
)

//go:embed dimensioncheck.js
var dimensionCheckSource string

// DefaultDimensionCheckMinutes and MaxDimensionCheckMinutes: see
// monitoringspec (the configuration shares them).
const (
	DefaultDimensionCheckMinutes = monitoringspec.DefaultDimensionCheckMinutes
	MaxDimensionCheckMinutes     = monitoringspec.MaxDimensionCheckMinutes
)

// StaleDimensionsNamespace and StaleDimensionsMetric are the metric the
// hourly run publishes: how many alarm metrics match no published metric.
const (
	StaleDimensionsNamespace = "OpenCTI/Monitoring"
	StaleDimensionsMetric    = "StaleAlarmDimensions"
)

// dimensionCheck adds what makes a stale alarm dimension visible
// (dimensioncheck.js):
//   - Custom::AlarmDimensionCheck, after every alarm: the deployment fails
//     when, after DimensionCheckMinutes, an alarm on a continuously
//     publishing namespace (AWS/ES, AWS/ElastiCache, AWS/AmazonMQ,
//     cluster-level ContainerInsights) reads dimensions that match no metric
//     published in the past 3 hours;
//   - the same check every hour (EventBridge schedule), publishing
//     StaleAlarmDimensions, and the alarm "monitoring-stale-dimensions" on it
//     (missing data breaching: a check that stops running pages too). It
//     catches what the deploy-time check cannot: a replication group or
//     cluster replaced while the Monitoring stack was not redeployed (their
//     names reach it as weak references, resolved only at its deployment).
//
// Without a target on a checked namespace (OpenSearch, Redis, Broker,
// Kubernetes) there is nothing to check and nothing is created.
func (m *monitoring) dimensionCheck() {
	if len(m.alarms) == 0 || len(m.dimensionTargets()) == 0 {
		return
	}
	scope := constructs.NewConstruct(m.Construct, jsii.String("DimensionCheck"))
	prefix := m.prefix + "-"
	logs, role := newFunctionLogsAndRole(scope, "Logs", "Role", m.r.LogRetention, m.key,
		"Checks that the OpenCTI alarms watch dimensions that CloudWatch metrics carry")
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ReadAlarmsAndMetrics"),
		Actions:   jsii.Strings("cloudwatch:DescribeAlarms", "cloudwatch:ListMetrics"),
		Resources: jsii.Strings("*"),
	}))
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("PublishStaleCount"),
		Actions:    jsii.Strings("cloudwatch:PutMetricData"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"StringEquals": map[string]any{"cloudwatch:namespace": StaleDimensionsNamespace}},
	}))
	fn := func(id, handler, description string, timeout float64, env map[string]*string) awslambda.Function {
		return awslambda.NewFunction(scope, jsii.String(id), &awslambda.FunctionProps{
			Description: jsii.String(description),
			Runtime:     awsutil.LambdaRuntime(),
			Handler:     jsii.String("index." + handler),
			Code:        awslambda.Code_FromInline(jsii.String(dimensionCheckSource)),
			Timeout:     awscdk.Duration_Seconds(jsii.Number(timeout)),
			MemorySize:  jsii.Number(256),
			Role:        role,
			LogGroup:    logs,
			Environment: &env,
		})
	}

	// Hourly: the count of stale alarm metrics, and an alarm on it.
	hourly := fn("HourlyFunction", "handler", "Counts the OpenCTI alarms whose dimensions match no CloudWatch metric, every hour", 300,
		map[string]*string{"ALARM_NAME_PREFIX": jsii.String(prefix), "TOPIC_ARN": m.topic.TopicArn()})
	awsevents.NewRule(scope, jsii.String("Hourly"), &awsevents.RuleProps{
		Description: jsii.String("Runs the alarm dimension check of " + m.prefix + " every hour"),
		Schedule:    awsevents.Schedule_Rate(awscdk.Duration_Hours(jsii.Number(1))),
		Targets:     &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(hourly, nil)},
	})
	m.alarm(scope, alarmSpec{id: "StaleDimensions", name: "monitoring-stale-dimensions",
		metric: metric(StaleDimensionsNamespace, StaleDimensionsMetric, "Maximum", 3600, map[string]*string{"Deployment": jsii.String(prefix)}),
		op:     gte, threshold: 1, periods: 2, missing: breach,
		meaning: "At least one alarm of this deployment watches a dimension that matches no metric published in the past 3 hours (two hourly checks in a row), or the check itself stopped running: those alarms can never fire. Usually a replication group or EKS cluster was replaced while the Monitoring stack kept the old name.",
		check:   "the log of the hourly dimension check (it names each alarm, namespace, metric and dimensions); then cdk deploy the Monitoring stack with --force so its cross-stack references resolve to the current names."})

	minutes := DefaultDimensionCheckMinutes
	if m.r.DimensionCheckMinutes != nil {
		minutes = *m.r.DimensionCheckMinutes
	}
	if minutes == 0 {
		return
	}
	onEvent := fn("StartFunction", "onEvent", "Starts the deploy-time check of the OpenCTI alarm dimensions", 60, nil)
	isComplete := fn("CheckFunction", "isComplete", "Fails the deployment when an OpenCTI alarm watches a dimension that matches no CloudWatch metric", 300, nil)
	waiterLogs := awslogs.NewLogGroup(scope, jsii.String("WaiterLogs"), &awslogs.LogGroupProps{
		Retention:     m.r.LogRetention,
		EncryptionKey: m.key,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	providerLogs := awslogs.NewLogGroup(scope, jsii.String("ProviderLogs"), &awslogs.LogGroupProps{
		Retention:     m.r.LogRetention,
		EncryptionKey: m.key,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	provider := customresources.NewProvider(scope, jsii.String("Provider"), &customresources.ProviderProps{
		OnEventHandler:    onEvent,
		IsCompleteHandler: isComplete,
		QueryInterval:     awscdk.Duration_Minutes(jsii.Number(1)),
		// Above the check's own deadline, so that its message, not the
		// framework's "Operation timed out", fails the deployment.
		TotalTimeout: awscdk.Duration_Minutes(jsii.Number(float64(minutes + 5))),
		LogGroup:     providerLogs,
		// aws-cdk-lib turns the waiter's logging off unless told otherwise.
		DisableWaiterStateMachineLogging: jsii.Bool(false),
		WaiterStateMachineLogOptions: &customresources.LogOptions{
			Destination: waiterLogs,
			Level:       awsstepfunctions.LogLevel_ALL,
		},
	})
	// Properties that change whenever an alarm's dimension may change
	// without its template changing (names from other stacks, resolved at
	// deployment) or the set of alarms changes: then the check runs again.
	names := make([]*string, 0, len(m.alarms))
	for _, a := range m.alarms {
		names = append(names, a.AlarmName())
	}
	cr := awscdk.NewCustomResource(scope, jsii.String("Resource"), &awscdk.CustomResourceProps{
		ServiceToken: provider.ServiceToken(),
		ResourceType: jsii.String("Custom::AlarmDimensionCheck"),
		Properties: &map[string]any{
			"AlarmNamePrefix": prefix,
			"TopicArn":        m.topic.TopicArn(),
			"WaitSeconds":     strconv.Itoa(minutes * 60),
			"Targets":         m.dimensionTargets(),
			"Alarms":          names,
		},
	})
	for _, a := range m.alarms {
		cr.Node().AddDependency(a)
	}
	m.checkProvider = provider
	m.checkRole = role
	m.dimensionCheckResource = cr
}

// dimensionTargets are the names the checked alarms' dimensions are made of.
func (m *monitoring) dimensionTargets() []*string {
	var t []*string
	if o := m.r.OpenSearch; o != nil {
		t = append(t, o.DomainName)
	}
	if rd := m.r.Redis; rd != nil {
		t = append(t, rd.NodeIDs...)
	}
	if b := m.r.Broker; b != nil {
		t = append(t, b.BrokerName)
	}
	if k := m.r.Kubernetes; k != nil {
		t = append(t, k.ClusterName)
	}
	return t
}

// suppressDimensionCheckNag records, with a reason, the cdk-nag findings the
// check accepts: on its role and, by path, in aws-cdk-lib's provider
// framework (its functions and the waiter state machine).
func (m *monitoring) suppressDimensionCheckNag() {
	if m.checkRole == nil {
		return
	}
	cdknag.NagSuppressions_AddResourceSuppressions(m.checkRole, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("cloudwatch:DescribeAlarms, ListMetrics and PutMetricData are called with Resource * (ListMetrics and " +
			"PutMetricData support no resource-level permission; the alarms are listed by name prefix). The role only reads, and " +
			"writes metrics only to the OpenCTI/Monitoring namespace (cloudwatch:namespace condition)."),
		AppliesTo: &[]any{"Resource::*"},
	}}, jsii.Bool(true))
	if m.checkProvider == nil {
		return
	}
	stack := awscdk.Stack_Of(m.Construct)
	cdknag.NagSuppressions_AddResourceSuppressionsByPath(stack, jsii.String("/"+*m.checkProvider.Node().Path()),
		&[]*cdknag.NagPackSuppression{
			{
				Id:        jsii.String("AwsSolutions-IAM4"),
				Reason:    jsii.String("CDK-internal provider framework: aws-cdk-lib attaches AWSLambdaBasicExecutionRole to its framework functions; not configurable."),
				AppliesTo: &[]any{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
			},
			{
				Id:     jsii.String("AwsSolutions-IAM5"),
				Reason: jsii.String("CDK-internal provider framework: it may invoke any version of the check functions (<function ARN>:*); its waiter state machine's role gets the CloudWatch Logs delivery actions (CreateLogDelivery, DescribeLogGroups...), which Step Functions requires on Resource *."),
			},
			{
				Id:     jsii.String("AwsSolutions-L1"),
				Reason: jsii.String("CDK-internal provider framework: aws-cdk-lib picks the framework functions' runtime; upgrading aws-cdk-lib upgrades it."),
			},
			{
				Id:     jsii.String("AwsSolutions-SF2"),
				Reason: jsii.String("CDK-internal provider framework: the waiter state machine only calls isComplete every minute; aws-cdk-lib offers no X-Ray option for it, and its executions log every event (level ALL) to an encrypted log group."),
			},
		}, jsii.Bool(true))
}
