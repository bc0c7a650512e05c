package scalesim_test

import (
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/opencti-ha/opencti-ha/internal/scalesim"
)

// The prod profile as it ships (read back from its rendered manifests): its
// bounds, the queue depths that move it, a burst of 200 000 messages worked
// down in 15 minutes, and a feed publishing
// 1 000 000 messages in 10 minutes drained by workers that each acknowledge
// 5 messages a second (an assumption, not an OpenCTI figure).
func Example_prod() {
	prodReport(os.Stdout)
	// Output:
	// worker-api 2 to 6 pods, workers 6 to 18, one pod per 10000 waiting messages
	// 2 pods: up above 22000 messages, down never (minimum)
	// 3 pods: up above 33000 messages, down at or below 20000 messages
	// 4 pods: up above 44000 messages, down at or below 30000 messages
	// 5 pods: up above 55000 messages, down at or below 40000 messages
	// 6 pods: up never (maximum), down at or below 50000 messages
	//
	// burst of 200 000 messages at 5:00, worked down by 19:45
	//    time  messages  proposal  worker-api     ready  workers  consuming  reason
	//    0:00         0         0           2         2        6          6  TooFewReplicas
	//    5:45    189831        19           4         2       12          6  ScaleUpLimit
	//    6:45    176272        18           6         2       18          6  TooManyReplicas
	//    8:15    155933        16           6         4       18         12  TooManyReplicas
	//    9:15    142373        15           6         6       18         18  TooManyReplicas
	//   26:00         0         0           5         5       15         15  DesiredWithinRange
	//   31:00         0         0           4         4       12         12  ScaleDownLimit
	//   36:00         0         0           3         3        9          9  ScaleDownLimit
	//   41:00         0         0           2         2        6          6  TooFewReplicas
	//
	// 1 000 000 messages published from 5:00 to 15:00, 5 messages/s per worker
	//    time  messages  proposal  worker-api     ready  workers  consuming  reason
	//    0:00         0         0           2         2        6          6  TooFewReplicas
	//    6:00     98200        10           3         2        9          6  DesiredWithinRange
	//    6:15    122750        13           4         2       12          6  ScaleUpLimit
	//    7:00    196400        20           5         2       15          6  ScaleUpLimit
	//    7:15    220950        23           6         2       18          6  TooManyReplicas
	//    8:30    343700        35           6         3       18          9  TooManyReplicas
	//    8:45    368025        37           6         4       18         12  TooManyReplicas
	//    9:30    440325        45           6         5       18         15  TooManyReplicas
	//    9:45    464200        47           6         6       18         18  TooManyReplicas
	//   30:00    879850        88           6         6       18         18  TooManyReplicas
	//   60:00    717850        72           6         6       18         18  TooManyReplicas
	//   90:00    555850        56           6         6       18         18  TooManyReplicas
	//  120:00    393850        40           6         6       18         18  TooManyReplicas
	//  150:00    231850        24           6         6       18         18  TooManyReplicas
	//  180:00     69850         7           6         6       18         18  TooManyReplicas
	//  193:30         0         0           5         5       15         15  DesiredWithinRange
	//  198:30         0         0           4         4       12         12  ScaleDownLimit
	//  203:30         0         0           3         3        9          9  ScaleDownLimit
	//  208:30         0         0           2         2        6          6  TooFewReplicas
	//  210:00         0         0           2         2        6          6  TooFewReplicas
}

// prodReport writes what Example_prod prints; docs/scaling.md shows it.
func prodReport(w io.Writer) {
	c := scalesim.ShippedConfig("prod")
	fmt.Fprintf(w, "worker-api %d to %d pods, workers %d to %d, one pod per %d waiting messages\n",
		c.MinReplicas, c.MaxReplicas, c.MinReplicas*c.WorkersPerPlatform, c.MaxReplicas*c.WorkersPerPlatform, c.MessagesPerReplica)
	thresholds, _ := c.Thresholds()
	for _, t := range thresholds {
		up, down := "never (maximum)", "never (minimum)"
		if t.UpAbove >= 0 {
			up = fmt.Sprintf("above %d messages", t.UpAbove)
		}
		if t.DownAtOrBelow >= 0 {
			down = fmt.Sprintf("at or below %d messages", t.DownAtOrBelow)
		}
		fmt.Fprintf(w, "%d pods: up %s, down %s\n", t.Replicas, up, down)
	}

	var burst []scalesim.Sample
	for i := range 20 + 60 + 180 {
		var m int64
		if i >= 20 && i < 80 {
			m = 200000 - 200000*int64(i-20)/59
		}
		burst = append(burst, scalesim.Sample{Messages: m, CPUPercent: -1})
	}
	tr, _ := scalesim.Run(c, burst)
	fmt.Fprint(w, "\nburst of 200 000 messages at 5:00, worked down by 19:45\n", tr.Table(0))

	published := make([]float64, 4*60*4)
	for i := 20; i < 60; i++ {
		published[i] = 1_000_000.0 / 600
	}
	tr, _ = scalesim.RunLoad(c, scalesim.Load{PublishedPerSecond: published, WorkerMessagesPerSecond: 5})
	fmt.Fprint(w, "\n1 000 000 messages published from 5:00 to 15:00, 5 messages/s per worker\n", tr.Table(30*60))
}

// docs/scaling.md shows prodReport's output between these markers; this test
// keeps it current.
const (
	docBegin = "<!-- begin: go test ./internal/scalesim -run Example_prod -v -->\n```\n"
	docEnd   = "```\n<!-- end -->"
)

func TestScalingDocShowsProdReport(t *testing.T) {
	doc, err := os.ReadFile("../../docs/scaling.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	i := strings.Index(text, docBegin)
	j := strings.Index(text, docEnd)
	if i < 0 || j < i {
		t.Fatalf("docs/scaling.md has no block between %q and %q", docBegin, docEnd)
	}
	var want strings.Builder
	prodReport(&want)
	if got := text[i+len(docBegin) : j]; got != want.String() {
		t.Errorf("docs/scaling.md shows another simulation than prodReport; replace the block with:\n%s", want.String())
	}
}
