package config

import (
	"errors"
	"fmt"
)

// Problems collects every validation problem of a configuration so that synth
// reports all of them at once instead of stopping at the first.
type Problems struct {
	errs []error
}

// Add records that field (a dotted YAML path such as "data.opensearch.dataNodes")
// holds value, which is not allowed; allowed says what is.
func (p *Problems) Add(field string, value any, allowed string) {
	p.errs = append(p.errs, fmt.Errorf("%s: got %s, want %s", field, show(value), allowed))
}

// Addf records a problem on field whose message is not of the value/allowed form.
func (p *Problems) Addf(field, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
}

// Err returns every recorded problem joined with errors.Join, or nil.
func (p *Problems) Err() error {
	return errors.Join(p.errs...)
}

func show(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("%q", x)
	case []string:
		return fmt.Sprintf("%q", x)
	default:
		return fmt.Sprintf("%v", x)
	}
}
