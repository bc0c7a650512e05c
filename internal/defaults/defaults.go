// Package defaults resolves optional props into a copy of a construct's
// props, the way every construct of this module does it: the constructor
// copies the caller's props (p := *props), fills what is unset with these
// helpers, and never writes to the caller's values.
package defaults

import "slices"

// Set points *v at a copy of d when *v is nil (the prop was not given).
func Set[T any](v **T, d T) {
	if *v == nil {
		*v = &d
	}
}

// Zero sets *v to d when *v is its type's zero value (an enum prop such as a
// removal policy or a log retention left unset).
func Zero[T comparable](v *T, d T) {
	var zero T
	if *v == zero {
		*v = d
	}
}

// Slice sets *v to a copy of d when *v is nil, and to a copy of itself
// otherwise, so that the resolved props never alias the caller's slice.
func Slice[T any](v *[]T, d []T) {
	if *v == nil {
		*v = slices.Clone(d)
		return
	}
	*v = slices.Clone(*v)
}

// Of is *v, or d when v is nil: a settings group given whole or defaulted
// whole (Sizing, Settings, Thresholds, node pools).
func Of[T any](v *T, d T) T {
	if v == nil {
		return d
	}
	return *v
}
