// Package handlerlib holds the JavaScript shared by several Lambda handlers
// and puts it into a handler's inline code.
//
// The handlers are deployed as inline code (awslambda.Code_FromInline: one
// file, index.js, so no require of a sibling file works in Lambda). A
// handler requires a shared file by its path relative to the handler
// (`require('../../internal/handlerlib/opensearch.js')`), which is what
// node --test loads; Inline replaces that call with the shared file's source
// wrapped as a CommonJS module, evaluated once where the require stood.
package handlerlib

import (
	_ "embed"
	"fmt"
	"regexp"
	"strings"
)

// OpenSearch is opensearch.js: SigV4 for the es service, requests to an
// OpenSearch Service domain, the master user from Secrets Manager and the
// manage_snapshots role mapping.
//
//go:embed opensearch.js
var OpenSearch string

// shared are the files a handler may require by relative path, by name.
var shared = map[string]string{"opensearch.js": OpenSearch}

// requireRe matches a require of a file of this package by relative path.
var requireRe = regexp.MustCompile(`require\(\s*'(?:\.\./)+internal/handlerlib/([a-z]+\.js)'\s*\)`)

// Inline returns handler with every require of a file of this package
// replaced by that file's source, wrapped as a module. A require of a file
// this package does not hold is a programming error: Inline panics with its
// name (the construct tests build every handler).
func Inline(handler string) string {
	return requireRe.ReplaceAllStringFunc(handler, func(call string) string {
		name := requireRe.FindStringSubmatch(call)[1]
		src, ok := shared[name]
		if !ok {
			panic(fmt.Sprintf("handlerlib.Inline: no shared file %q", name))
		}
		return "((module) => {\n" + strings.TrimRight(src, "\n") + "\nreturn module.exports;\n})({ exports: {} })"
	})
}
