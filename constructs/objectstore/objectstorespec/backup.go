// Package objectstorespec holds the rules and defaults of OpenCTI's file
// store (its S3 versioning and AWS Backup retentions), shared by the
// construct (objectstore.NewObjectStore) and the configuration
// (data.backup, data.objectStore). It depends on no AWS package.
package objectstorespec

import (
	"fmt"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

// MaxBackupRetentionDays is AWS Backup's limit for a recovery point's
// DeleteAfterDays (100 years).
const MaxBackupRetentionDays = 36500

// DefaultNoncurrentVersionExpirationDays is how long an overwritten or
// deleted file version is kept by default.
const DefaultNoncurrentVersionExpirationDays = 90

// BackupRetention sets how long AWS Backup keeps recovery points of the file
// store. Every rule runs at 03:00 UTC; the vault lock keeps each recovery
// point at least the shortest of these retentions. Every field is set: start
// from DefaultBackupRetention() and change what differs.
type BackupRetention struct {
	// DailyRetentionDays keeps daily recovery points this long, 1 to 36500.
	// Default: 35.
	DailyRetentionDays int `yaml:"dailyRetentionDays"`
	// WeeklyRetentionDays keeps Sunday recovery points this long; 0 means no
	// weekly rule, otherwise at least DailyRetentionDays. Default: 90.
	WeeklyRetentionDays int `yaml:"weeklyRetentionDays"`
	// MonthlyRetentionDays keeps recovery points of each month's first day this
	// long; 0 means no monthly rule, otherwise at least WeeklyRetentionDays
	// (or DailyRetentionDays). Default: 365.
	MonthlyRetentionDays int `yaml:"monthlyRetentionDays"`
}

// DefaultBackupRetention keeps daily recovery points 35 days, weekly 90 days
// and monthly 365 days.
func DefaultBackupRetention() BackupRetention {
	return BackupRetention{DailyRetentionDays: 35, WeeklyRetentionDays: 90, MonthlyRetentionDays: 365}
}

// Fields of BackupRetention, for reports.
var (
	FieldDailyRetentionDays   = problems.Field{Go: "DailyRetentionDays", YAML: "dailyRetentionDays"}
	FieldWeeklyRetentionDays  = problems.Field{Go: "WeeklyRetentionDays", YAML: "weeklyRetentionDays"}
	FieldMonthlyRetentionDays = problems.Field{Go: "MonthlyRetentionDays", YAML: "monthlyRetentionDays"}
)

// Check reports every problem of b to p, naming fields with name.
func (b BackupRetention) Check(p *problems.List, name problems.Names) {
	const most = MaxBackupRetentionDays
	if b.DailyRetentionDays < 1 || b.DailyRetentionDays > most {
		p.Add(name.Of(FieldDailyRetentionDays), b.DailyRetentionDays, fmt.Sprintf("1 to %d", most))
	}
	switch w := b.WeeklyRetentionDays; {
	case w < 0 || w > most:
		p.Add(name.Of(FieldWeeklyRetentionDays), w, fmt.Sprintf("0 (no weekly backups) or 1 to %d", most))
	case w > 0 && w < b.DailyRetentionDays:
		p.Add(name.Of(FieldWeeklyRetentionDays), w, fmt.Sprintf("0 or at least %s (%d)", name.Of(FieldDailyRetentionDays), b.DailyRetentionDays))
	}
	shorter, shorterField := b.DailyRetentionDays, FieldDailyRetentionDays
	if b.WeeklyRetentionDays > 0 {
		shorter, shorterField = b.WeeklyRetentionDays, FieldWeeklyRetentionDays
	}
	switch m := b.MonthlyRetentionDays; {
	case m < 0 || m > most:
		p.Add(name.Of(FieldMonthlyRetentionDays), m, fmt.Sprintf("0 (no monthly backups) or 1 to %d", most))
	case m > 0 && m < shorter:
		p.Add(name.Of(FieldMonthlyRetentionDays), m, fmt.Sprintf("0 or at least %s (%d)", name.Of(shorterField), shorter))
	}
}

// MinRetentionDays is the shortest retention of the rules that exist, the
// vault lock's minimum retention.
func (b BackupRetention) MinRetentionDays() int {
	n := b.DailyRetentionDays
	for _, d := range []int{b.WeeklyRetentionDays, b.MonthlyRetentionDays} {
		if d > 0 {
			n = min(n, d)
		}
	}
	return n
}

// CheckNoncurrentVersionExpirationDays reports n to p, as field, unless it is
// at least 1.
func CheckNoncurrentVersionExpirationDays(p *problems.List, field string, n int) {
	if n < 1 {
		p.Add(field, n, "at least 1")
	}
}
