package secretsspec_test

import (
	"testing"

	"github.com/opencti-ha/opencti-ha/constructs/secrets/secretsspec"
)

func TestNamePrefixes(t *testing.T) {
	for prefix, want := range map[string]bool{
		"opencti/prod": true, "opencti": true, "a/b/c-d_e+f=g.h@i": true,
		"": false, "/opencti": false, "opencti/": false, "opencti/*": false, "opencti prod": false,
	} {
		if got := secretsspec.ValidNamePrefix(prefix); got != want {
			t.Errorf("%q: %v, want %v", prefix, got, want)
		}
	}
}
