package charts

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
)

// RenderedFileExtension ends every file Render writes.
const RenderedFileExtension = ".k8s.yaml"

// Render validates props and writes one YAML file per chart into outdir,
// named "<index>-<lowercase chart ID>.k8s.yaml" (e.g. "00-namespace.k8s.yaml")
// in apply order, and returns their paths
// in that order. The same props always give the same bytes. Earlier
// *.k8s.yaml files in outdir are removed first so the directory can be
// applied as a whole (kubectl apply -f outdir).
func Render(props *Props, outdir string) ([]string, error) {
	if err := props.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(outdir, 0o755); err != nil {
		return nil, fmt.Errorf("charts: render: %w", err)
	}
	stale, err := filepath.Glob(filepath.Join(outdir, "*"+RenderedFileExtension))
	if err != nil {
		return nil, fmt.Errorf("charts: render: %w", err)
	}
	for _, f := range stale {
		if err := os.Remove(f); err != nil {
			return nil, fmt.Errorf("charts: render: %w", err)
		}
	}
	app := cdk8s.NewApp(&cdk8s.AppProps{
		Outdir:              jsii.String(outdir),
		OutputFileExtension: jsii.String(RenderedFileExtension),
		YamlOutputType:      cdk8s.YamlOutputType_FILE_PER_CHART,
	})
	c, err := NewCharts(app, props)
	if err != nil {
		return nil, err
	}
	app.Synth()
	// cdk8s names the files "<index>-<id>-<hash>.k8s.yaml" (index = order of
	// the chart dependencies); rename them to "<index>-<id>.k8s.yaml".
	written, err := filepath.Glob(filepath.Join(outdir, "*"+RenderedFileExtension))
	if err != nil {
		return nil, fmt.Errorf("charts: render: %w", err)
	}
	slices.Sort(written)
	all := c.All()
	if len(written) != len(all) {
		return nil, fmt.Errorf("charts: render: cdk8s wrote %d files for %d charts", len(written), len(all))
	}
	files := make([]string, len(all))
	for i, ch := range all {
		files[i] = filepath.Join(outdir, fmt.Sprintf("%02d-%s%s", i, strings.ToLower(*ch.Node().Id()), RenderedFileExtension))
		if err := os.Rename(written[i], files[i]); err != nil {
			return nil, fmt.Errorf("charts: render: %w", err)
		}
	}
	return files, nil
}
