package monitoringspec

// MaxConnectors is the most connectors one deployment may run: the two
// connector alarms are CloudWatch Metrics Insights alarms with one time
// series per connector, and such an alarm evaluates at most 500 time series
// (beyond, its EvaluationState is PARTIAL_DATA: "Limits that apply to alarms
// based on Metrics Insights queries",
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html).
// The configuration (opencti.connectors) and monitoring.ConnectorsTarget
// both enforce it.
const MaxConnectors = 500
