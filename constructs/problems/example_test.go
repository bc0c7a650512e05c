package problems_test

import (
	"fmt"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

// ExampleList: a constructor collects every problem of its props, then
// panics with one *problems.InvalidProps naming itself and its ID.
func ExampleList() {
	var p problems.List
	p.Add("broker.BrokerProps.Username", "open,cti", "2-100 characters: letters, digits, - . _ ~")
	p.Add("broker.BrokerProps.ConsumerTimeoutMillis", -1, "0 to 2147483647")
	err := catch(func() { problems.PanicIfInvalid("broker.NewBroker", "RabbitMQ", p.Err()) })
	fmt.Println(err)
	// Output:
	// broker.NewBroker "RabbitMQ": invalid props:
	// broker.BrokerProps.Username: got "open,cti", want 2-100 characters: letters, digits, - . _ ~
	// broker.BrokerProps.ConsumerTimeoutMillis: got -1, want 0 to 2147483647
}
