package test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/opencti-ha/opencti-ha/internal/e2e"
)

// dataHolding are the resource types whose deletion or replacement loses data
// or keys.
var dataHolding = map[string]bool{
	"AWS::OpenSearchService::Domain": true, "AWS::S3::Bucket": true, "AWS::Backup::BackupVault": true,
	"AWS::KMS::Key": true, "AWS::SecretsManager::Secret": true, "AWS::AmazonMQ::Broker": true,
	"AWS::ElastiCache::ReplicationGroup": true,
}

// physicalName is the property that gives a resource of each type a fixed
// name: a retained resource with one blocks the retry of a failed first
// creation ("already exists").
var physicalName = map[string]string{
	"AWS::SecretsManager::Secret": "Name", "AWS::OpenSearchService::Domain": "DomainName",
	"AWS::AmazonMQ::Broker": "BrokerName", "AWS::Backup::BackupVault": "BackupVaultName",
	"AWS::Logs::LogGroup": "LogGroupName", "AWS::S3::Bucket": "BucketName", "AWS::KMS::Alias": "AliasName",
	"AWS::ElastiCache::ReplicationGroup": "ReplicationGroupId", "AWS::EC2::SecurityGroup": "GroupName",
}

// logTargets are the buckets other buckets of the stack deliver server access
// logs to (LoggingConfiguration.DestinationBucketName).
func logTargets(resources map[string]e2e.TemplateResource) map[string]bool {
	out := map[string]bool{}
	for _, r := range resources {
		lc, _ := r.Properties["LoggingConfiguration"].(map[string]any)
		dest, _ := lc["DestinationBucketName"].(map[string]any)
		if ref, ok := dest["Ref"].(string); ok {
			out[ref] = true
		}
	}
	return out
}

// TestProdRetainsEverythingThatHoldsData: in prod no stack deletion and no
// replacing change deletes a domain, bucket, vault, key, secret, broker or
// cache, in any stack.
func TestProdRetainsEverythingThatHoldsData(t *testing.T) {
	seen := map[string]int{}
	kept := func(p string) bool { return p == "Retain" || p == "RetainExceptOnCreate" || p == "Snapshot" }
	for stack, resources := range e2e.ResourcesOf(t, synthDirs["prod"]) {
		for id, r := range resources {
			if !dataHolding[r.Type] {
				continue
			}
			seen[r.Type]++
			if !kept(r.DeletionPolicy) || (r.UpdateReplacePolicy != "Retain" && r.UpdateReplacePolicy != "Snapshot") {
				t.Errorf("%s %s (%s): DeletionPolicy %q, UpdateReplacePolicy %q; want the resource kept on deletion and replacement",
					stack, id, r.Type, r.DeletionPolicy, r.UpdateReplacePolicy)
			}
		}
	}
	for typ := range dataHolding {
		if seen[typ] == 0 {
			t.Errorf("prod has no %s at all", typ)
		}
	}
}

// TestProdRetryAfterAFailedFirstCreate: across every prod stack, nothing is
// kept by a plain Retain, which would survive the rollback of a failed first
// creation and, under a fixed name (secrets, broker, domain, vault, log
// groups), make the retry fail on "already exists". Retained resources use
// RetainExceptOnCreate (kept on stack deletion and replacement, deleted when
// the operation that created them rolls back) or Snapshot. The one exception
// is a bucket with a generated name that receives server access logs while
// the stack is being created: a rollback cannot delete a bucket that holds
// objects (the stack would end in ROLLBACK_FAILED), and a kept one with a new
// generated name does not block the retry.
func TestProdRetryAfterAFailedFirstCreate(t *testing.T) {
	named := map[string][]string{} // type -> "stack/id" of retained resources with a fixed name
	for stack, resources := range e2e.ResourcesOf(t, synthDirs["prod"]) {
		targets := logTargets(resources)
		for id, r := range resources {
			if r.DeletionPolicy == "" || r.DeletionPolicy == "Delete" {
				continue
			}
			prop, hasNameProp := physicalName[r.Type]
			_, isNamed := r.Properties[prop]
			isNamed = hasNameProp && isNamed
			if isNamed {
				named[r.Type] = append(named[r.Type], stack+"/"+id)
			}
			switch {
			case r.DeletionPolicy == "RetainExceptOnCreate", r.DeletionPolicy == "Snapshot" && !isNamed:
			case r.DeletionPolicy == "Retain" && r.Type == "AWS::S3::Bucket" && !isNamed && targets[id]:
			default:
				t.Errorf("%s %s (%s, fixed name: %v): DeletionPolicy %q; a failed first creation would leave it behind, want RetainExceptOnCreate",
					stack, id, r.Type, isNamed, r.DeletionPolicy)
			}
		}
	}
	// The resources the issue names, with their fixed names, are all covered.
	for _, typ := range []string{"AWS::SecretsManager::Secret", "AWS::OpenSearchService::Domain", "AWS::AmazonMQ::Broker", "AWS::Backup::BackupVault", "AWS::Logs::LogGroup"} {
		if len(named[typ]) == 0 {
			t.Errorf("no retained %s with a fixed name in prod: the test no longer sees what it guards", typ)
		}
	}
	var lines []string
	for typ, ids := range named {
		lines = append(lines, fmt.Sprintf("%s: %d", typ, len(ids)))
	}
	sort.Strings(lines)
	t.Logf("retained resources with a fixed name: %s", strings.Join(lines, ", "))
}

// TestDevDestroysWhatHoldsData: dev keeps its destroy behaviour; the only
// kept resources are the backup vault and its key (AWS refuses to delete a
// vault with recovery points), and even they go when their first creation
// rolls back.
func TestDevDestroysWhatHoldsData(t *testing.T) {
	for stack, resources := range e2e.ResourcesOf(t, synthDirs["dev"]) {
		for id, r := range resources {
			switch {
			case r.DeletionPolicy == "" || r.DeletionPolicy == "Delete":
			case r.DeletionPolicy == "RetainExceptOnCreate" && (r.Type == "AWS::Backup::BackupVault" || strings.Contains(id, "BackupVaultKey")):
			default:
				t.Errorf("dev %s %s (%s): DeletionPolicy %q, want Delete", stack, id, r.Type, r.DeletionPolicy)
			}
		}
	}
}
