// Package problems is the one way this module reports invalid input: every
// construct's props, the configuration and the charts collect what is wrong
// into a List ("<field>: got <value>, want <what is allowed>", every problem
// at once, in field order), and a construct panics with an *InvalidProps
// naming itself and its ID. Entry points print an *InvalidProps as a message,
// never as a Go stack trace.
//
// The package depends on the standard library only, so that the aws-free
// packages (config, charts and the <construct>spec packages that hold the
// rules config and the constructs share) can use it.
package problems

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
)

// List collects problems. The zero value is ready to use.
type List struct {
	errs []error
}

// Add records that field holds got, which is not allowed; want says what is.
// Strings (and string slices and *string) are quoted, nil shows as nil, a Raw
// value as it is, anything else with %v.
func (l *List) Add(field string, got any, want string) {
	l.errs = append(l.errs, fmt.Errorf("%s: got %s, want %s", field, Show(got), want))
}

// Addf records a problem on field whose message is not of the got/want form.
func (l *List) Addf(field, format string, args ...any) {
	l.errs = append(l.errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
}

// AddErr records err as it is (nil is ignored).
func (l *List) AddErr(err error) {
	if err != nil {
		l.errs = append(l.errs, err)
	}
}

// Len is the number of problems recorded.
func (l *List) Len() int { return len(l.errs) }

// Err returns every problem joined with errors.Join (one per line), or nil.
func (l *List) Err() error { return errors.Join(l.errs...) }

// Raw is a value shown as it is (not quoted), e.g. Raw("55 minutes").
type Raw string

// Show formats a value the way Add does.
func Show(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case Raw:
		return string(x)
	case string:
		return strconv.Quote(x)
	case []string:
		return fmt.Sprintf("%q", x)
	case *string:
		if x == nil {
			return "nil"
		}
		return strconv.Quote(*x)
	}
	if rv := reflect.ValueOf(v); (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface) && rv.IsNil() {
		return "nil"
	}
	return fmt.Sprintf("%v", v)
}

// Field names one field of a props or settings type for a report: by its Go
// name (constructs: "opensearch.DomainProps.Sizing.DataNodes") or by its YAML
// name (configuration: "data.opensearch.dataNodes").
type Field struct {
	// Go is the Go field name, e.g. "DataNodes".
	Go string
	// YAML is the field's YAML key, e.g. "dataNodes".
	YAML string
}

// Names names the fields of one props or settings type in a report.
type Names struct {
	// Prefix starts every name, e.g. "opensearch.DomainProps.Sizing." or "data.opensearch.".
	Prefix string
	// YAML names fields by their YAML key instead of their Go name.
	YAML bool
}

// GoNames names fields "<prefix><Go name>", e.g. GoNames("opensearch.DomainProps.Sizing.").
func GoNames(prefix string) Names { return Names{Prefix: prefix} }

// YAMLNames names fields "<prefix><YAML key>", e.g. YAMLNames("data.opensearch.").
func YAMLNames(prefix string) Names { return Names{Prefix: prefix, YAML: true} }

// Of is the full name of f: the prefix and f's Go name or YAML key.
func (n Names) Of(f Field) string { return n.Prefix + n.Short(f) }

// Short is f's Go name or YAML key alone, for messages that mention a
// sibling field.
func (n Names) Short(f Field) string {
	if n.YAML {
		return f.YAML
	}
	return f.Go
}

// InvalidProps is what a construct panics with when its props are invalid,
// before it creates anything. Its text is
//
//	<package>.New<Thing> "<id>": invalid props:
//	<package>.<Thing>Props.<Field>: got <value>, want <what is allowed>
//	...
//
// with every problem on a line of its own.
type InvalidProps struct {
	// Constructor is the constructor's qualified name, e.g. "broker.NewBroker".
	Constructor string
	// ID is the construct ID it was called with.
	ID string
	// Err holds the problems (errors.Join of one error per problem).
	Err error
}

func (e *InvalidProps) Error() string {
	return fmt.Sprintf("%s %q: invalid props:\n%v", e.Constructor, e.ID, e.Err)
}

// Unwrap returns the problems.
func (e *InvalidProps) Unwrap() error { return e.Err }

// Problems lists the problems, one per element.
func (e *InvalidProps) Problems() []error {
	if j, ok := e.Err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{e.Err}
}

// PanicIfInvalid panics with an *InvalidProps for constructor and id when err
// is not nil. Constructors call it after resolving defaults and before
// creating anything.
func PanicIfInvalid(constructor, id string, err error) {
	if err != nil {
		panic(&InvalidProps{Constructor: constructor, ID: id, Err: err})
	}
}

// Recover turns a panic into *err, for entry points that must print a
// message instead of a stack trace: an *InvalidProps (or an error wrapping
// one) is returned as it is, any other error or value as an error with its
// text. Use it as `defer problems.Recover(&err)`.
func Recover(err *error) {
	r := recover()
	if r == nil {
		return
	}
	switch x := r.(type) {
	case error:
		*err = x
	default:
		*err = fmt.Errorf("%v", x)
	}
}
