package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v3"
)

// Load returns the configuration a synth or render runs with.
//
// With path empty it is the embedded profile env ("" means "dev"). With a path,
// the file's own "environment" key (or else env, or else "dev") picks the
// profile whose defaults fill every field the file leaves out. Parsing is
// strict: an unknown key or a value of the wrong type is an error. The result
// is validated; every problem is reported at once. Derived values are filled
// in (WithImageCache).
func Load(env, path string) (*Config, error) {
	if path == "" {
		if env == "" {
			env = "dev"
		}
		c, err := Default(env)
		if err != nil {
			return nil, err
		}
		if err := c.Validate(); err != nil {
			return c, err
		}
		return c.WithImageCache(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	c, err := Parse(data, env)
	if err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	return c, nil
}

// Parse reads a YAML document over the defaults of its environment (see Load),
// validates the result and fills in derived values (WithImageCache).
func Parse(data []byte, env string) (*Config, error) {
	var head struct {
		Environment *string `yaml:"environment"`
	}
	if err := yaml.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	if head.Environment != nil {
		env = *head.Environment
	}
	if env == "" {
		env = "dev"
	}
	c, err := Default(env)
	if err != nil {
		return nil, err
	}
	// Defaults derived from the zone follow the file's dns.zoneName: they
	// are cleared before decoding and derived again from what the file set.
	c.clearZoneDerived()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	c.deriveFromZone()
	c.deriveRecoveryRegion()
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("more than one YAML document: a config file holds exactly one")
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c.WithImageCache(), nil
}
