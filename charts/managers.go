package charts

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
)

// ManagerKind says where a background manager's work has to run.
type ManagerKind string

// Manager kinds (see BackgroundManagers).
const (
	// ClusterSingleton managers do work once for the whole platform: each
	// cycle takes a Redis lock named after the manager (lockResource with
	// retryCount 0 in OpenCTI's managerModule.ts, or the manager's own lock
	// in the older managers), so enabling them on more nodes only adds
	// contention. They run on worker-api only.
	ClusterSingleton ManagerKind = "cluster-wide singleton"
	// QueueConsumer managers consume a RabbitMQ queue; the enabled nodes
	// share its messages. They run on worker-api only.
	QueueConsumer ManagerKind = "queue consumer"
	// PerNode managers keep state local to each platform process in step
	// (an in-memory cache); every tier needs them, so they stay on everywhere.
	PerNode ManagerKind = "per-node"
)

// BackgroundManager is one OpenCTI background manager switched by
// <Switch>__ENABLED.
type BackgroundManager struct {
	// Switch is the configuration section, e.g. "RULE_ENGINE"
	// (rule_engine:enabled in OpenCTI's default.json).
	Switch string
	// Kind says on which tiers it runs: singletons and queue consumers on
	// worker-api only, per-node managers on every tier.
	Kind ManagerKind
	// Duty is what it does, in a few words.
	Duty string
}

// BackgroundManagers is the one list the platform environment is built from:
// every manager switch of the OpenCTI 7.x platform source (src/managers.js,
// src/manager/*.ts, config/default.json; see docs/opencti-7.md for the
// files and commits read). ui and connector-api get <Switch>__ENABLED=false
// for every singleton and queue consumer, worker-api gets true; per-node
// managers get true on every tier. OpenCTI reads only the configuration keys
// it knows, so a switch a release does not have is ignored, while a missing
// one would leave a singleton running on a tier that serves people.
func BackgroundManagers() []BackgroundManager {
	return []BackgroundManager{
		{"RULE_ENGINE", ClusterSingleton, "inference rules on the live stream"},
		{"HISTORY_MANAGER", ClusterSingleton, "writes the history of every change from the stream"},
		{"ACTIVITY_MANAGER", ClusterSingleton, "writes the audit/activity log from the stream"},
		{"CONNECTOR_MANAGER", ClusterSingleton, "connector state, work clean-up"},
		{"TASK_SCHEDULER", ClusterSingleton, "background tasks (mass operations, rules re-application)"},
		{"EXPIRATION_SCHEDULER", ClusterSingleton, "revokes expired indicators, disables expired accounts"},
		{"NOTIFICATION_MANAGER", ClusterSingleton, "evaluates triggers (live and digest)"},
		{"PUBLISHER_MANAGER", ClusterSingleton, "sends notifications and digests (e-mail, webhooks)"},
		{"SYNC_MANAGER", ClusterSingleton, "consumes remote OpenCTI live streams"},
		{"INGESTION_MANAGER", ClusterSingleton, "polls RSS, TAXII, CSV and JSON feeds"},
		{"RETENTION_MANAGER", ClusterSingleton, "deletes data by retention rules"},
		{"PLAYBOOK_MANAGER", ClusterSingleton, "runs playbooks (stream and cron)"},
		{"FILE_INDEX_MANAGER", ClusterSingleton, "indexes file contents"},
		{"INDICATOR_DECAY_MANAGER", ClusterSingleton, "lowers indicator scores by decay rules"},
		{"GARBAGE_COLLECTION_MANAGER", ClusterSingleton, "empties the trash"},
		{"TELEMETRY_MANAGER", ClusterSingleton, "usage telemetry"},
		{"HUB_REGISTRATION_MANAGER", ClusterSingleton, "XTM Hub registration"},
		{"PIR_MANAGER", ClusterSingleton, "priority intelligence requirements on the stream"},
		{"EXCLUSION_LIST_CACHE_BUILD_MANAGER", ClusterSingleton, "rebuilds the exclusion-list cache into Redis"},
		{"DATA_SANITY_MANAGER", ClusterSingleton, "periodic data-consistency operations"},
		{"KNOWLEDGE_FRESHNESS_MANAGER", ClusterSingleton, "applies knowledge decay rules"},
		{"PROVENANCE_BACKFILL_MANAGER", ClusterSingleton, "rebuilds provenance of older knowledge in batches"},
		{"PLATFORM_USAGE_METRICS_MANAGER", ClusterSingleton, "computes platform usage metrics"},
		{"WORKFLOW_STATUS_CLEANUP_MANAGER", ClusterSingleton, "deletes orphaned workflow statuses"},
		{"TIMELINE_MANAGER", ClusterSingleton, "builds timelines"},
		{"IMPORT_CSV_BUILT_IN_CONNECTOR", QueueConsumer, "the built-in CSV import connector"},
		{"EXCLUSION_LIST_CACHE_SYNC_MANAGER", PerNode, "loads the exclusion-list cache into this node's memory"},
	}
}

// managerEnv is tier t's <Switch>__ENABLED variables, in list order.
func managerEnv(t tier) []corev1.EnvVar {
	var env []corev1.EnvVar
	for _, m := range BackgroundManagers() {
		on := t.managers
		if m.Kind == PerNode {
			on = true
		}
		env = append(env, envValue(m.Switch+"__ENABLED", strconv.FormatBool(on)))
	}
	return env
}
