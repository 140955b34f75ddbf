package app

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/mail"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/beaconstatus/beacon/app/egress"
	"github.com/beaconstatus/beacon/app/lang"
	"github.com/beaconstatus/beacon/app/mirror"
	"github.com/beaconstatus/beacon/app/notify"
	"github.com/beaconstatus/beacon/models"
)

// Config is Beacon's configuration, read from the environment in one place.
type Config struct {
	Port         int            // PORT, default 8080
	Host         string         // HOST: the address to listen on, e.g. 127.0.0.1; "" for every interface
	DatabaseURL  string         // DATABASE_URL as given ("" → beacon.db)
	Dialect      models.Dialect // derived from DATABASE_URL
	DSN          string         // what the database driver opens
	BaseURL      string         // BASE_URL without a trailing slash, default http://localhost:PORT
	PageName     string         // PAGE_NAME, default "Beacon"
	TimeZoneName string         // PAGE_TIME_ZONE, an IANA name, default UTC
	TimeZone     *time.Location // loaded from TimeZoneName
	LogLevel     slog.Level     // LOG_LEVEL: debug, info, warn, error (default info)
	LogFormat    string         // LOG_FORMAT: text (default) or json
	SecretKey    string         // SECRET_KEY; "" → generated on first start and kept in the database

	// Languages are the public side's enabled languages (PAGE_LANGUAGES,
	// comma-separated codes; default every shipped one) and Language the
	// default among them (PAGE_LANGUAGE, default en when enabled).
	Languages []string
	Language  string
	// Branding is the page's branding from the environment (BRAND_*); the
	// console's settings override it.
	Branding BrandingEnv

	// PartialOutageWeight is how much of a partial outage counts as downtime
	// in uptime figures (UPTIME_PARTIAL_WEIGHT, 0–1, default 0.3).
	PartialOutageWeight float64
	// ShutdownTimeout bounds the wait for in-flight requests on shutdown
	// (SHUTDOWN_TIMEOUT, a Go duration, default 15s).
	ShutdownTimeout time.Duration
	// TrustProxy takes the client's address from X-Forwarded-For
	// (TRUST_PROXY=true, for a server behind a load balancer on a private
	// network); otherwise the connection's address counts, so nobody can
	// dodge a per-address limit with a forged header.
	TrustProxy bool
	// APIRateLimit is how many management API requests one token may make
	// per minute, counted in the database across replicas (API_RATE_LIMIT,
	// default DefaultAPIRateLimit); more get 429 with Retry-After.
	APIRateLimit int
	// SchedulerInterval is how often due maintenance is started and
	// completed (0 → DefaultSchedulerInterval); not read from the environment.
	SchedulerInterval time.Duration

	// SMTP is the mail server (SMTP_URL); nil → the log driver, which
	// writes messages to the log instead of sending them.
	SMTP *notify.SMTPConfig
	// MailFromName and MailFromAddress are who messages come from
	// (MAIL_FROM, "Name <address>" or an address; required with SMTP_URL,
	// else PAGE_NAME <noreply@BASE_URL's host>).
	MailFromName, MailFromAddress string
	// MailRate is the most messages sent per second by this process, all
	// workers together (MAIL_RATE; 0 → unlimited).
	MailRate float64
	// MailWorkers is how many workers send at once, each with its own
	// connection (MAIL_WORKERS, default 4).
	MailWorkers int
	// Mailer replaces the driver SMTP chooses (tests: a MemoryMailer); not
	// read from the environment.
	Mailer notify.Mailer
	// Notify tunes the dispatcher and the workers (zero fields →
	// defaults); not read from the environment.
	Notify notify.Tuning
	// Hooks configure webhook, Slack, Discord and Teams deliveries:
	// WEBHOOK_ALLOW_PRIVATE (true: endpoints on private networks and
	// loopback allowed), WEBHOOK_WORKERS (requests at once, default 64),
	// WEBHOOK_TIMEOUT (one request, default 30s), WEBHOOK_QUARANTINE_AFTER
	// (consecutive failures that quarantine an endpoint, default 10).
	Hooks notify.HookSettings

	// SnapshotDir is where the core set of public documents is saved after
	// each change, for a server that starts while the database is
	// unreachable (SNAPSHOT_DIR; "off" → not saved). Default: beside the
	// SQLite file (beacon.db.snapshot), else $XDG_STATE_HOME/beacon/snapshot,
	// else ./data/snapshot.
	SnapshotDir string
	// Mirror is where every rebuild of the core set is copied as a static
	// site (MIRROR_URL: file:///dir or s3://bucket/prefix; nil → none).
	Mirror *mirror.Spec
	// LazyCore turns the eager rebuilds of the core set off: it is built
	// when asked for, as other pages are, and neither saved nor mirrored
	// (SNAPSHOT_EAGER=false; for the benchmark that measures what the eager
	// rebuilds cost).
	LazyCore bool
	// mirrorEnv reads the S3 mirror's endpoint, region and credentials.
	mirrorEnv func(string) string
}

// ConfigError names an environment variable with a wrong value.
type ConfigError struct {
	Var     string
	Message string
}

func (e *ConfigError) Error() string { return e.Var + ": " + e.Message }

// DefaultSQLitePath is where Beacon keeps its data when DATABASE_URL is unset.
const DefaultSQLitePath = "beacon.db"

// MinSecretKeyLength is the shortest SECRET_KEY accepted.
const MinSecretKeyLength = 32

// LoadConfig reads and validates the configuration from getenv (os.Getenv in
// production). Every wrong value is reported, each naming its variable.
func LoadConfig(getenv func(string) string) (Config, error) {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, &ConfigError{Var: name, Message: fmt.Sprintf(format, args...)})
	}
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }

	cfg := Config{Port: 8080, PageName: "Beacon", TimeZoneName: "UTC", LogFormat: "text",
		PartialOutageWeight: models.DefaultPartialOutageWeight, ShutdownTimeout: 15 * time.Second}

	if v := env("PORT"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			bad("PORT", "must be a port number from 1 to 65535, got %q", v)
		}
		cfg.Port = p
	}

	if v := env("HOST"); v != "" {
		if ip := net.ParseIP(strings.Trim(v, "[]")); ip == nil && !validHostname(v) {
			bad("HOST", "must be an address to listen on, such as 127.0.0.1, ::1 or localhost, got %q", v)
		}
		cfg.Host = strings.Trim(v, "[]")
	}

	cfg.DatabaseURL = env("DATABASE_URL")
	if d, dsn, err := ParseDatabaseURL(cfg.DatabaseURL); err != nil {
		bad("DATABASE_URL", "%s", err)
	} else {
		cfg.Dialect, cfg.DSN = d, dsn
	}

	cfg.BaseURL = fmt.Sprintf("http://localhost:%d", cfg.Port)
	if v := env("BASE_URL"); v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			bad("BASE_URL", "must be an absolute http(s) URL such as https://status.example.com, got %q", v)
		} else {
			cfg.BaseURL = strings.TrimRight(u.String(), "/")
		}
	}

	if v := env("PAGE_NAME"); v != "" {
		if len(v) > 100 {
			bad("PAGE_NAME", "must be at most 100 characters")
		}
		cfg.PageName = v
	}

	shipped := lang.Shipped()
	if v := env("PAGE_LANGUAGES"); v != "" {
		for _, code := range strings.Split(v, ",") {
			code = strings.TrimSpace(code)
			if !slices.Contains(shipped, code) {
				bad("PAGE_LANGUAGES", "has %q, which is not a shipped language (%s)", code, strings.Join(shipped, ", "))
				continue
			}
			if !slices.Contains(cfg.Languages, code) {
				cfg.Languages = append(cfg.Languages, code)
			}
		}
	}
	enabled := cfg.Languages
	if len(enabled) == 0 {
		enabled = shipped
	}
	cfg.Language = lang.Default
	if !slices.Contains(enabled, cfg.Language) {
		cfg.Language = enabled[0]
	}
	if v := env("PAGE_LANGUAGE"); v != "" {
		if !slices.Contains(enabled, v) {
			bad("PAGE_LANGUAGE", "must be one of the enabled languages (%s), got %q", strings.Join(enabled, ", "), v)
		} else {
			cfg.Language = v
		}
	}
	cfg.Branding = brandingFromEnv(env)

	if v := env("PAGE_TIME_ZONE"); v != "" {
		cfg.TimeZoneName = v
	}
	loc, err := time.LoadLocation(cfg.TimeZoneName)
	if err != nil || cfg.TimeZoneName == "Local" {
		bad("PAGE_TIME_ZONE", "must be an IANA time zone name such as Europe/Berlin or UTC, got %q", cfg.TimeZoneName)
	} else {
		cfg.TimeZone = loc
	}

	if v := env("LOG_LEVEL"); v != "" {
		if err := cfg.LogLevel.UnmarshalText([]byte(v)); err != nil {
			bad("LOG_LEVEL", "must be debug, info, warn or error, got %q", v)
		}
	}
	if v := env("LOG_FORMAT"); v != "" {
		if v != "text" && v != "json" {
			bad("LOG_FORMAT", "must be text or json, got %q", v)
		}
		cfg.LogFormat = v
	}

	cfg.SecretKey = getenv("SECRET_KEY")
	if cfg.SecretKey != "" && len(cfg.SecretKey) < MinSecretKeyLength {
		bad("SECRET_KEY", "must be at least %d characters (or unset, to have one generated)", MinSecretKeyLength)
	}

	if v := env("UPTIME_PARTIAL_WEIGHT"); v != "" {
		w, err := strconv.ParseFloat(v, 64)
		if err != nil || w < 0 || w > 1 {
			bad("UPTIME_PARTIAL_WEIGHT", "must be a number from 0 to 1, got %q", v)
		}
		cfg.PartialOutageWeight = w
	}
	if v := env("SHUTDOWN_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			bad("SHUTDOWN_TIMEOUT", "must be a positive duration such as 15s, got %q", v)
		}
		cfg.ShutdownTimeout = d
	}
	if v := env("TRUST_PROXY"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			bad("TRUST_PROXY", "must be true or false, got %q", v)
		}
		cfg.TrustProxy = b
	}
	cfg.APIRateLimit = DefaultAPIRateLimit
	if v := env("API_RATE_LIMIT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1_000_000 {
			bad("API_RATE_LIMIT", "must be a number of requests per minute from 1 to 1000000, got %q", v)
		}
		cfg.APIRateLimit = n
	}
	loadMailConfig(&cfg, env, bad)
	loadHookConfig(&cfg, env, bad)
	loadSnapshotConfig(&cfg, env, bad)
	cfg.mirrorEnv = getenv
	return cfg, errors.Join(errs...)
}

// loadHookConfig reads the WEBHOOK_* variables.
func loadHookConfig(cfg *Config, env func(string) string, bad func(name, format string, args ...any)) {
	cfg.Hooks.Guard = &egress.Guard{}
	if v := env("WEBHOOK_ALLOW_PRIVATE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			bad("WEBHOOK_ALLOW_PRIVATE", "must be true or false, got %q", v)
		}
		cfg.Hooks.Guard.AllowPrivate = b
	}
	number := func(name string, lo, hi int, dst *int) {
		if v := env(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < lo || n > hi {
				bad(name, "must be a number from %d to %d, got %q", lo, hi, v)
			}
			*dst = n
		}
	}
	number("WEBHOOK_WORKERS", 1, 1024, &cfg.Hooks.Workers)
	number("WEBHOOK_QUARANTINE_AFTER", 1, 1000, &cfg.Hooks.QuarantineAfter)
	if v := env("WEBHOOK_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 100*time.Millisecond || d > 5*time.Minute {
			bad("WEBHOOK_TIMEOUT", "must be a duration from 100ms to 5m such as 30s, got %q", v)
		}
		cfg.Hooks.Timeout = d
	}
}

// loadMailConfig reads SMTP_URL, MAIL_FROM, MAIL_RATE and MAIL_WORKERS.
func loadMailConfig(cfg *Config, env func(string) string, bad func(name, format string, args ...any)) {
	if v := env("SMTP_URL"); v != "" {
		smtp, err := notify.ParseSMTPURL(v)
		if err != nil {
			bad("SMTP_URL", "%s", err)
		}
		cfg.SMTP = smtp
	}
	cfg.MailWorkers = notify.DefaultMailWorkers
	if v := env("MAIL_FROM"); v != "" {
		a, err := mail.ParseAddress(v)
		if err != nil || strings.ContainsFunc(v, unicode.IsControl) {
			bad("MAIL_FROM", "must be an address such as status@example.com or \"Example Status <status@example.com>\", got %q", v)
		} else {
			cfg.MailFromName, cfg.MailFromAddress = a.Name, a.Address
		}
	} else if cfg.SMTP != nil {
		bad("MAIL_FROM", "is required with SMTP_URL: the address messages come from, such as status@example.com")
	} else {
		host := "localhost"
		if u, err := url.Parse(cfg.BaseURL); err == nil && strings.Contains(u.Hostname(), ".") {
			host = u.Hostname()
		}
		cfg.MailFromName, cfg.MailFromAddress = cfg.PageName, "noreply@"+host
	}
	if v := env("MAIL_RATE"); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r <= 0 || math.IsInf(r, 0) || math.IsNaN(r) {
			bad("MAIL_RATE", "must be a positive number of messages per second such as 10 or 0.5 (or unset: unlimited), got %q", v)
		}
		cfg.MailRate = r
	}
	if v := env("MAIL_WORKERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 64 {
			bad("MAIL_WORKERS", "must be a number from 1 to 64, got %q", v)
		}
		cfg.MailWorkers = n
	}
}

// loadSnapshotConfig reads SNAPSHOT_DIR and MIRROR_URL.
func loadSnapshotConfig(cfg *Config, env func(string) string, bad func(name, format string, args ...any)) {
	switch v := env("SNAPSHOT_DIR"); {
	case v == "off":
	case v != "":
		if strings.ContainsRune(v, 0) {
			bad("SNAPSHOT_DIR", "must be a directory path (or off)")
		}
		cfg.SnapshotDir = filepath.Clean(v)
	case cfg.Dialect == models.SQLite:
		path := DefaultSQLitePath
		if cfg.DatabaseURL != "" {
			path = strings.TrimPrefix(cfg.DatabaseURL[strings.Index(cfg.DatabaseURL, ":")+1:], "//")
		}
		cfg.SnapshotDir = path + ".snapshot"
	case env("XDG_STATE_HOME") != "":
		cfg.SnapshotDir = filepath.Join(env("XDG_STATE_HOME"), "beacon", "snapshot")
	default:
		cfg.SnapshotDir = filepath.Join("data", "snapshot")
	}
	if v := env("SNAPSHOT_EAGER"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			bad("SNAPSHOT_EAGER", "must be true or false, got %q", v)
		}
		cfg.LazyCore = !b
	}
	if v := env("MIRROR_URL"); v != "" {
		spec, err := mirror.ParseURL(v)
		if err != nil {
			bad("MIRROR_URL", "%s", err)
		} else {
			cfg.Mirror = &spec
		}
	}
}

// ParseDatabaseURL turns DATABASE_URL into a dialect and the DSN its driver
// opens: "" → SQLite beacon.db; sqlite:PATH or file:PATH → SQLite at PATH;
// postgres:// or postgresql:// → PostgreSQL.
func ParseDatabaseURL(raw string) (models.Dialect, string, error) {
	switch {
	case raw == "":
		return models.SQLite, models.SQLiteDSN(DefaultSQLitePath), nil
	case strings.HasPrefix(raw, "postgres://") || strings.HasPrefix(raw, "postgresql://"):
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return "", "", errors.New("is not a valid postgres:// URL (postgres://user:password@host:5432/dbname)")
		}
		return models.Postgres, raw, nil
	case strings.HasPrefix(raw, "sqlite:") || strings.HasPrefix(raw, "file:"):
		path := raw[strings.Index(raw, ":")+1:]
		path = strings.TrimPrefix(path, "//")
		if path == "" || strings.ContainsAny(path, "?#") {
			return "", "", errors.New("needs a file path, as in sqlite:/var/lib/beacon/beacon.db (no query options)")
		}
		return models.SQLite, models.SQLiteDSN(path), nil
	}
	return "", "", errors.New("must start with postgres://, postgresql://, sqlite: or file: (or be unset for beacon.db)")
}

// NewLogger builds the process's one slog logger from the configuration.
func NewLogger(cfg Config, w interface{ Write([]byte) (int, error) }) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(&textLog{TextHandler: slog.NewTextHandler(w, opts), w: w})
}

// DefaultAPIRateLimit is API_RATE_LIMIT's default: management API requests
// per token per minute.
const DefaultAPIRateLimit = 600

// validHostname reports whether s is a host name: letters, digits, '-' and
// '.', at most 253 characters.
func validHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}
