// Command configdoc writes docs/configuration.md from the config package.
package main

import (
	"fmt"
	"os"

	"github.com/opencti-ha/opencti-ha/internal/configdoc"
)

func main() {
	doc, err := configdoc.Generate("config")
	if err == nil {
		err = os.MkdirAll("docs", 0o755)
	}
	if err == nil {
		err = os.WriteFile("docs/configuration.md", []byte(doc), 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "configdoc:", err)
		os.Exit(1)
	}
}
