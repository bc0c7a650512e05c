// Package defaults resolves optional (pointer) props into a copy of a
// construct's props, the way every construct of this module does it.
package defaults

// Set points *v at a copy of d when *v is nil (the prop was not given).
func Set[T any](v **T, d T) {
	if *v == nil {
		*v = &d
	}
}
