package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Prefix is the namespace of every edgekit context key. Unknown keys under it
// are errors, so a typo never silently falls back to a default.
const Prefix = "edgekit:"

// Section is one group of context keys, owned by the app (App) or by one
// pattern (constructs/<pattern>). Its dynamic type must be a pointer to a
// struct; every field that is configurable carries a tag
//
//	context:"edgekit:<key>" doc:"<one line for the README>" [defaultDoc:"<shown instead of the value>"]
//
// Field types: string, bool, int, []string (JSON list or comma list), or any
// JSON-decodable type (decoded strictly: unknown fields are errors).
type Section interface {
	// SetDefaults sets every field to its default. app is the loaded app
	// section, so defaults may derive from the app name.
	SetDefaults(app App)
	// Validate reports every bad value through p.
	Validate(app App, p *Problems)
}

// App is the app-level section: names, account, home region, log retention.
type App struct {
	// AppName prefixes stack names, resource names and SSM parameter paths.
	AppName string `context:"edgekit:appName" doc:"prefix of stack names, function names, SSM paths (3–24 of a-z0-9-)"`
	// Account pins every stack to one AWS account. Empty means env-agnostic:
	// the CLI's default account at deploy time.
	Account string `context:"edgekit:account" doc:"12-digit account to pin stacks to; empty = the CLI's account at deploy time" defaultDoc:"(empty)"`
	// HomeRegion hosts the Storage, Cdn and Api stacks.
	HomeRegion string `context:"edgekit:homeRegion" doc:"region of the Storage, Api and Cdn stacks"`
	// LogRetentionDays applies to every log group edgekit creates.
	LogRetentionDays int `context:"edgekit:logRetentionDays" doc:"CloudWatch Logs retention of every log group (a value CloudWatch accepts)"`
}

// SetDefaults implements Section.
func (a *App) SetDefaults(App) {
	*a = App{AppName: "edgekit", HomeRegion: "eu-central-1", LogRetentionDays: 30}
}

var (
	appNameRe = regexp.MustCompile(`^[a-z][a-z0-9-]{1,22}[a-z0-9]$`)
	accountRe = regexp.MustCompile(`^[0-9]{12}$`)
	// RegionRe matches an AWS region name such as "eu-central-1" or "us-gov-west-1".
	RegionRe = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-[0-9]{1,2}$`)
)

// Validate implements Section.
func (a *App) Validate(_ App, p *Problems) {
	if !appNameRe.MatchString(a.AppName) {
		p.Add(&a.AppName, "must be 3-24 characters of a-z, 0-9 and '-', starting with a letter")
	}
	if a.Account != "" && !accountRe.MatchString(a.Account) {
		p.Add(&a.Account, "must be a 12-digit AWS account id, or empty for the CLI's default account")
	}
	if !RegionRe.MatchString(a.HomeRegion) {
		p.Add(&a.HomeRegion, "must be an AWS region name such as eu-central-1")
	}
	if _, ok := retentionNames[a.LogRetentionDays]; !ok {
		p.Add(&a.LogRetentionDays, "must be a CloudWatch Logs retention value ("+retentionList()+")")
	}
}

// retentionNames maps the retention periods CloudWatch Logs accepts (days) to
// the names of the CDK's awslogs.RetentionDays enum: the one table of them.
var retentionNames = map[int]string{
	1: "ONE_DAY", 3: "THREE_DAYS", 5: "FIVE_DAYS", 7: "ONE_WEEK", 14: "TWO_WEEKS", 30: "ONE_MONTH",
	60: "TWO_MONTHS", 90: "THREE_MONTHS", 120: "FOUR_MONTHS", 150: "FIVE_MONTHS", 180: "SIX_MONTHS",
	365: "ONE_YEAR", 400: "THIRTEEN_MONTHS", 545: "EIGHTEEN_MONTHS", 731: "TWO_YEARS", 1096: "THREE_YEARS",
	1827: "FIVE_YEARS", 2192: "SIX_YEARS", 2557: "SEVEN_YEARS", 2922: "EIGHT_YEARS", 3288: "NINE_YEARS",
	3653: "TEN_YEARS",
}

// RetentionName is the awslogs.RetentionDays enum value for a validated day
// count (convert with awslogs.RetentionDays(name)). It panics on a value
// Load would have rejected.
func RetentionName(days int) string {
	n, ok := retentionNames[days]
	if !ok {
		panic(fmt.Sprintf("log retention of %d days is not a CloudWatch Logs value (%s)", days, retentionList()))
	}
	return n
}

func retentionList() string {
	days := make([]int, 0, len(retentionNames))
	for d := range retentionNames {
		days = append(days, d)
	}
	sort.Ints(days)
	s := make([]string, len(days))
	for i, d := range days {
		s[i] = strconv.Itoa(d)
	}
	return strings.Join(s, ", ")
}

// Problems collects validation failures, each naming the context key and the
// bad value, so Load can report all of them at once.
type Problems struct {
	section Section
	list    []string
}

// Add reports that the value of field (a pointer to a field of the section
// being validated) is bad.
func (p *Problems) Add(field any, why string) {
	f := fieldOf(p.section, field)
	p.list = append(p.list, fmt.Sprintf("%s=%s: %s", f.Key, show(f.value.Interface()), why))
}

// AddAt reports a bad part of a field's value: the key is the field's key
// plus suffix (e.g. "[0].status"), value the offending part.
func (p *Problems) AddAt(field any, suffix string, value any, why string) {
	f := fieldOf(p.section, field)
	p.list = append(p.list, fmt.Sprintf("%s%s=%s: %s", f.Key, suffix, show(value), why))
}

// Field is one context key of a section, for documentation.
type Field struct {
	// Key is the context key, e.g. "edgekit:ingest:path".
	Key string
	// Default is the default value as JSON, or the field's defaultDoc tag.
	Default string
	// Doc is the field's one-line description.
	Doc   string
	value reflect.Value
}

// Fields lists the context keys of s (a pointer to a struct) in field order,
// with their current values as defaults: call SetDefaults first.
func Fields(s Section) []Field {
	v := reflect.ValueOf(s)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("config: section %T must be a pointer to a struct", s))
	}
	v = v.Elem()
	var out []Field
	for i := 0; i < v.NumField(); i++ {
		sf := v.Type().Field(i)
		key, ok := sf.Tag.Lookup("context")
		if !ok {
			continue
		}
		if !strings.HasPrefix(key, Prefix) || !sf.IsExported() {
			panic(fmt.Sprintf("config: %T.%s: context key %q must start with %q on an exported field", s, sf.Name, key, Prefix))
		}
		def, ok := sf.Tag.Lookup("defaultDoc")
		if !ok {
			def = show(v.Field(i).Interface())
		}
		out = append(out, Field{Key: key, Default: def, Doc: sf.Tag.Get("doc"), value: v.Field(i)})
	}
	return out
}

func fieldOf(s Section, ptr any) Field {
	pv := reflect.ValueOf(ptr)
	for _, f := range Fields(s) {
		if pv.Kind() == reflect.Pointer && f.value.Addr().Pointer() == pv.Pointer() && f.value.Addr().Type() == pv.Type() {
			return f
		}
	}
	panic(fmt.Sprintf("config: %T is not a pointer to a context field of %T", ptr, s))
}

// Load fills app and every section from the CDK context: defaults first, then
// the context's values, then validation. ctx is the app's full context; keys
// outside Prefix are ignored. Values may be typed JSON (cdk.json) or strings
// (`-c key=value`). The error names every unknown key and every bad value.
func Load(ctx map[string]any, sections ...Section) (App, error) {
	var app App
	app.SetDefaults(App{})
	owner := map[string]Field{}
	index := func(s Section) {
		for _, f := range Fields(s) {
			if _, dup := owner[f.Key]; dup {
				panic(fmt.Sprintf("config: context key %q is declared twice", f.Key))
			}
			owner[f.Key] = f
		}
	}
	index(&app)
	for _, s := range sections {
		index(s)
	}
	keys := make([]string, 0, len(ctx))
	for k := range ctx {
		if strings.HasPrefix(k, Prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)

	var errs []string
	apply := func(s Section) {
		for _, f := range Fields(s) {
			v, ok := ctx[f.Key]
			if !ok {
				continue
			}
			if err := set(f.value, v); err != nil {
				errs = append(errs, fmt.Sprintf("%s=%s: %s", f.Key, show(v), err))
			}
		}
	}
	// The app section first: pattern defaults may derive from the app name.
	apply(&app)
	for _, s := range sections {
		s.SetDefaults(app)
		apply(s)
	}
	for _, k := range keys {
		if _, ok := owner[k]; !ok {
			known := make([]string, 0, len(owner))
			for key := range owner {
				known = append(known, key)
			}
			sort.Strings(known)
			errs = append(errs, fmt.Sprintf("%s=%s: unknown key (known keys: %s)", k, show(ctx[k]), strings.Join(known, ", ")))
		}
	}
	for _, s := range append([]Section{&app}, sections...) {
		p := &Problems{section: s}
		s.Validate(app, p)
		errs = append(errs, p.list...)
	}
	if len(errs) > 0 {
		return App{}, errors.New("invalid edgekit configuration:\n  " + strings.Join(errs, "\n  "))
	}
	return app, nil
}

// set parses one context value into a field according to its type.
func set(field reflect.Value, v any) error {
	switch field.Interface().(type) {
	case string:
		s, ok := v.(string)
		if !ok {
			return errors.New("must be a string")
		}
		field.SetString(strings.TrimSpace(s))
	case bool:
		b, err := asBool(v)
		if err != nil {
			return err
		}
		field.SetBool(b)
	case int:
		n, err := asInt(v)
		if err != nil {
			return err
		}
		field.SetInt(int64(n))
	case []string:
		l, err := asStringList(v)
		if err != nil {
			return err
		}
		field.Set(reflect.ValueOf(l))
	default:
		raw, ok := v.(string)
		b := []byte(raw)
		if !ok {
			var err error
			if b, err = json.Marshal(v); err != nil {
				return err
			}
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		ptr := reflect.New(field.Type())
		if err := dec.Decode(ptr.Interface()); err != nil {
			return fmt.Errorf("must be JSON of the documented shape: %v", err)
		}
		if dec.More() {
			return errors.New("must be a single JSON value")
		}
		field.Set(ptr.Elem())
	}
	return nil
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

func asBool(v any) (bool, error) {
	switch t := v.(type) {
	case bool:
		return t, nil
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(t))
		if err == nil {
			return b, nil
		}
	}
	return false, errors.New("must be true or false")
}

func asInt(v any) (int, error) {
	switch t := v.(type) {
	case float64:
		if t == float64(int(t)) {
			return int(t), nil
		}
	case int:
		return t, nil
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(t)); err == nil {
			return n, nil
		}
	}
	return 0, errors.New("must be a whole number")
}

// asStringList accepts a JSON array of strings, a JSON array in a string, or a
// comma-separated string.
func asStringList(v any) ([]string, error) {
	switch t := v.(type) {
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, errors.New("must be a list of strings")
			}
			out = append(out, strings.TrimSpace(s))
		}
		return out, nil
	case string:
		s := strings.TrimSpace(t)
		if strings.HasPrefix(s, "[") {
			var out []string
			if err := json.Unmarshal([]byte(s), &out); err != nil {
				return nil, errors.New("must be a JSON list of strings or a comma-separated list")
			}
			return out, nil
		}
		if s == "" {
			return []string{}, nil
		}
		parts := strings.Split(s, ",")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		return parts, nil
	}
	return nil, errors.New("must be a list of strings or a comma-separated string")
}
