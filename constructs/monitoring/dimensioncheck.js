// Fails the deployment of the Monitoring stack when one of its alarms
// watches a dimension that matches no metric: the resource it names was
// replaced or renamed (a weak cross-stack reference not redeployed, a
// replication group member renamed) and the alarm would read OK, or
// INSUFFICIENT_DATA, forever.
//
// Custom resource of aws-cdk-lib's provider framework with isComplete:
// onEvent records when the check started; isComplete, called every
// minute by the framework's waiter, lists the alarms whose names start with
// AlarmNamePrefix (CloudWatch DescribeAlarms, metric alarms only) and, for
// every metric an alarm reads (single-metric alarms and the MetricStat
// queries of metric math alarms; Metrics Insights SQL is skipped) in a
// namespace whose resources publish continuously, asks ListMetrics whether
// a metric with exactly that namespace and those dimensions received data
// in the past three hours (RecentlyActive = PT3H; without it ListMetrics
// returns every metric of the past two weeks, so a resource replaced last
// week would still match). The alarm's own metric name is not required:
// several alarmed metrics are published only while something happens
// (ReplicationLag only by replicas, KMSKeyError only with a key problem),
// and what goes stale is the dimension - the resource's name. It waits
// (WaitSeconds) for the dimensions a brand-new resource has not published
// yet, then fails with every alarm whose dimensions still match nothing.
//
// Namespaces checked (CHECKED below) are those whose resources publish
// every minute from the moment they are available, so an absent dimension
// after WaitSeconds means a wrong name, not a quiet resource:
// - AWS/ES: the domain's cluster metrics every minute ("Monitoring
//   OpenSearch cluster metrics with Amazon CloudWatch", OpenSearch Service
//   Developer Guide);
// - AWS/ElastiCache: host-level and engine metrics "are measured and
//   published for each Cache node in 60-second intervals" ("Monitoring use
//   with CloudWatch Metrics", ElastiCache User Guide);
// - AWS/AmazonMQ: RabbitMQ broker and node metrics every minute ("Available
//   CloudWatch metrics for Amazon MQ for RabbitMQ brokers");
// - ContainerInsights, only at the cluster level (dimension ClusterName
//   alone): the CloudWatch agent of the observability add-on publishes
//   cluster_node_count and the node metrics every 60 s.
// Skipped, and why (constructs/monitoring/README.md):
// - AWS/ApplicationELB: "metrics are reported only when requests are
//   flowing" (ALB User Guide); the look-up already fails the deployment
//   when the load balancer does not exist;
// - ContainerInsights per Deployment or pod: a Deployment's metrics start
//   when the agent first lists it, and a tier may be scaled to zero;
// - AWS/S3 storage metrics and AWS/Backup: published once a day;
// - AWS/Lambda, AWS/Events, OpenCTI/*: published only on invocations or by
//   a probe on its own schedule.
'use strict';
const {
  CloudWatchClient, DescribeAlarmsCommand, ListMetricsCommand, PutMetricDataCommand,
} = require('@aws-sdk/client-cloudwatch');

const cw = new CloudWatchClient({});

const CHECKED = {
  'AWS/ES': () => true,
  'AWS/ElastiCache': () => true,
  'AWS/AmazonMQ': () => true,
  ContainerInsights: (dims) => dims.length === 1 && dims[0].Name === 'ClusterName',
};

const log = (msg, fields) => console.log(JSON.stringify({ msg, ...fields }));

// metricsOf returns the metrics an alarm reads: its own metric, or the
// MetricStat metrics of its metric math queries.
function metricsOf(alarm) {
  if (alarm.MetricName) {
    return [{ Namespace: alarm.Namespace, MetricName: alarm.MetricName, Dimensions: alarm.Dimensions || [] }];
  }
  return (alarm.Metrics || []).filter((q) => q.MetricStat && q.MetricStat.Metric).map((q) => ({
    Namespace: q.MetricStat.Metric.Namespace,
    MetricName: q.MetricStat.Metric.MetricName,
    Dimensions: q.MetricStat.Metric.Dimensions || [],
  }));
}

const sortDims = (dims) => [...dims].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
const dimsText = (dims) => sortDims(dims).map((d) => `${d.Name}=${d.Value}`).join(', ');

// listAlarms returns the metric alarms whose name starts with prefix and
// that notify topicArn: this deployment's alarms, not those of another
// deployment whose name extends this one's ("opencti-prod-eu-...").
async function listAlarms(prefix, topicArn) {
  const alarms = [];
  let NextToken;
  do {
    const out = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix, AlarmTypes: ['MetricAlarm'], MaxRecords: 100, NextToken }));
    alarms.push(...(out.MetricAlarms || []).filter((a) => (a.AlarmActions || []).includes(topicArn)));
    NextToken = out.NextToken;
  } while (NextToken);
  return alarms;
}

// published reports whether a metric of namespace with exactly dims (no
// more: ListMetrics also returns metrics that carry further dimensions)
// received data in the past three hours.
async function published(namespace, dims) {
  const want = dimsText(dims);
  let NextToken;
  do {
    const out = await cw.send(new ListMetricsCommand({
      Namespace: namespace, Dimensions: dims.map((d) => ({ Name: d.Name, Value: d.Value })), RecentlyActive: 'PT3H', NextToken,
    }));
    if ((out.Metrics || []).some((m) => dimsText(m.Dimensions || []) === want)) return true;
    NextToken = out.NextToken;
  } while (NextToken);
  return false;
}

// check returns the checked alarms' metrics whose dimensions match no
// recently published metric, and how many were checked and skipped.
async function check(prefix, topicArn) {
  const alarms = await listAlarms(prefix, topicArn);
  const seen = new Map();
  const stale = [];
  let checked = 0;
  let skipped = 0;
  for (const alarm of alarms) {
    for (const m of metricsOf(alarm)) {
      const rule = CHECKED[m.Namespace];
      if (!rule || !rule(m.Dimensions)) {
        skipped++;
        continue;
      }
      checked++;
      const key = `${m.Namespace}|${dimsText(m.Dimensions)}`;
      if (!seen.has(key)) seen.set(key, await published(m.Namespace, m.Dimensions));
      if (!seen.get(key)) stale.push({ alarm: alarm.AlarmName, ...m });
    }
  }
  return { alarms: alarms.length, checked, skipped, stale };
}

// describe names each stale alarm with its namespace, metric and dimensions.
const describe = (stale) => stale.map((s) => `${s.alarm} (${s.Namespace} ${s.MetricName}, ${dimsText(s.Dimensions)})`).join('; ');

exports.onEvent = async (event) => {
  const prefix = event.ResourceProperties.AlarmNamePrefix;
  if (event.RequestType === 'Delete') {
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  log('checking alarm dimensions', { prefix, requestType: event.RequestType });
  return { PhysicalResourceId: `alarm-dimension-check/${prefix}`, Data: { StartedAt: String(Date.now()) } };
};

exports.isComplete = async (event) => {
  if (event.RequestType === 'Delete') return { IsComplete: true };
  const props = event.ResourceProperties;
  const prefix = props.AlarmNamePrefix;
  const waitSeconds = Number(props.WaitSeconds || 1800);
  const started = Number((event.Data && event.Data.StartedAt) || Date.now());
  const result = await check(prefix, props.TopicArn);
  if (result.alarms === 0) {
    // This resource depends on every alarm of the stack: they exist.
    throw new Error(`no CloudWatch metric alarm named ${prefix}* notifies ${props.TopicArn}: the check runs after the ` +
      'stack\'s alarms are created, so the prefix or the topic does not match them');
  }
  if (result.stale.length === 0) {
    log('every checked alarm dimension matches a metric', { prefix, alarms: result.alarms, checked: result.checked, skipped: result.skipped });
    return { IsComplete: true, Data: { Checked: String(result.checked), Skipped: String(result.skipped) } };
  }
  const waited = Math.round((Date.now() - started) / 1000);
  if (waited < waitSeconds) {
    log('waiting for metrics', { prefix, waited, stale: result.stale.map((s) => s.alarm) });
    return { IsComplete: false };
  }
  throw new Error(`${result.stale.length} alarm(s) watch dimensions that match no metric published in the past 3 hours ` +
    `(CloudWatch ListMetrics, waited ${waited} s): ${describe(result.stale)}. These alarms would never fire. ` +
    'The resource named by the dimension does not exist or publishes nothing under that name: it was replaced or renamed ' +
    'outside this deployment, the replication group members carry other IDs, or it is stopped. Compare with ' +
    '`aws cloudwatch list-metrics --namespace <namespace> --recently-active PT3H` and fix the name the Monitoring stack is given; ' +
    'if the resource is down on purpose, deploy with monitoring.dimensionCheckMinutes: 0 and set it back afterwards.');
};

// handler is the scheduled run (EventBridge, every hour): it publishes the
// number of stale alarm metrics as OpenCTI/Monitoring StaleAlarmDimensions
// (dimension Deployment = the alarm name prefix) and logs each, so that a
// resource replaced after the Monitoring stack was last deployed (its
// weak cross-stack reference is resolved only then) pages too.
exports.handler = async () => {
  const prefix = process.env.ALARM_NAME_PREFIX;
  const result = await check(prefix, process.env.TOPIC_ARN);
  if (result.alarms === 0) {
    // Publish nothing: the alarm on the count treats missing data as breaching.
    throw new Error(`no CloudWatch metric alarm named ${prefix}* notifies ${process.env.TOPIC_ARN}`);
  }
  if (result.stale.length > 0) {
    log('alarms watch dimensions that match no metric', { prefix, stale: describe(result.stale) });
  } else {
    log('every checked alarm dimension matches a metric', { prefix, alarms: result.alarms, checked: result.checked, skipped: result.skipped });
  }
  await cw.send(new PutMetricDataCommand({
    Namespace: 'OpenCTI/Monitoring',
    MetricData: [{ MetricName: 'StaleAlarmDimensions', Dimensions: [{ Name: 'Deployment', Value: prefix }], Value: result.stale.length, Unit: 'Count' }],
  }));
  return { alarms: result.alarms, checked: result.checked, stale: result.stale.length };
};
