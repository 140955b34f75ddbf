package app_test

import (
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app"
	"github.com/beaconstatus/beacon/models"
)

// envOf is a getenv over a fixed map.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// configErrorVars lists the variables an error from LoadConfig names, in order.
func configErrorVars(err error) []string {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else if err != nil {
		errs = []error{err}
	}
	var vars []string
	for _, e := range errs {
		var ce *app.ConfigError
		if errors.As(e, &ce) {
			vars = append(vars, ce.Var)
		} else {
			vars = append(vars, "not a ConfigError: "+e.Error())
		}
	}
	return vars
}

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := app.LoadConfig(envOf(nil))
	if err != nil {
		t.Fatalf("LoadConfig with an empty environment: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"Port", cfg.Port, 8080},
		{"DatabaseURL", cfg.DatabaseURL, ""},
		{"Dialect", cfg.Dialect, models.SQLite},
		{"DSN", cfg.DSN, models.SQLiteDSN("beacon.db")},
		{"BaseURL", cfg.BaseURL, "http://localhost:8080"},
		{"PageName", cfg.PageName, "Beacon"},
		{"TimeZoneName", cfg.TimeZoneName, "UTC"},
		{"TimeZone", cfg.TimeZone, time.UTC},
		{"LogLevel", cfg.LogLevel, slog.LevelInfo},
		{"LogFormat", cfg.LogFormat, "text"},
		{"SecretKey", cfg.SecretKey, ""},
		{"PartialOutageWeight", cfg.PartialOutageWeight, 0.3},
		{"ShutdownTimeout", cfg.ShutdownTimeout, 15 * time.Second},
		{"SnapshotDir", cfg.SnapshotDir, "beacon.db.snapshot"},
		{"Mirror", cfg.Mirror == nil, true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if models.DefaultPartialOutageWeight != 0.3 {
		t.Errorf("DefaultPartialOutageWeight = %v, want 0.3", models.DefaultPartialOutageWeight)
	}
}

func TestLoadConfigValues(t *testing.T) {
	secret := strings.Repeat("k", app.MinSecretKeyLength)
	tests := []struct {
		name  string
		env   map[string]string
		check func(t *testing.T, cfg app.Config)
	}{
		{"port sets the default base URL", map[string]string{"PORT": "9090"}, func(t *testing.T, cfg app.Config) {
			if cfg.Port != 9090 || cfg.BaseURL != "http://localhost:9090" {
				t.Errorf("Port, BaseURL = %d, %q, want 9090, http://localhost:9090", cfg.Port, cfg.BaseURL)
			}
		}},
		{"host: listen on loopback only", map[string]string{"HOST": "127.0.0.1"}, func(t *testing.T, cfg app.Config) {
			if cfg.Host != "127.0.0.1" {
				t.Errorf("Host = %q", cfg.Host)
			}
		}},
		{"host: an IPv6 address in brackets", map[string]string{"HOST": "[::1]"}, func(t *testing.T, cfg app.Config) {
			if cfg.Host != "::1" {
				t.Errorf("Host = %q", cfg.Host)
			}
		}},
		{"sqlite absolute path", map[string]string{"DATABASE_URL": "sqlite:/x/y.db"}, func(t *testing.T, cfg app.Config) {
			wantDB(t, cfg, models.SQLite, models.SQLiteDSN("/x/y.db"))
			if cfg.DatabaseURL != "sqlite:/x/y.db" {
				t.Errorf("DatabaseURL = %q, want it as given", cfg.DatabaseURL)
			}
		}},
		{"sqlite URL form", map[string]string{"DATABASE_URL": "sqlite:///x/y.db"}, func(t *testing.T, cfg app.Config) {
			wantDB(t, cfg, models.SQLite, models.SQLiteDSN("/x/y.db"))
		}},
		{"file relative path", map[string]string{"DATABASE_URL": "file:rel.db"}, func(t *testing.T, cfg app.Config) {
			wantDB(t, cfg, models.SQLite, models.SQLiteDSN("rel.db"))
		}},
		{"postgres", map[string]string{"DATABASE_URL": "postgres://u:p@db.internal:5432/beacon?sslmode=require"}, func(t *testing.T, cfg app.Config) {
			wantDB(t, cfg, models.Postgres, "postgres://u:p@db.internal:5432/beacon?sslmode=require")
		}},
		{"postgresql", map[string]string{"DATABASE_URL": "postgresql://u@localhost/beacon"}, func(t *testing.T, cfg app.Config) {
			wantDB(t, cfg, models.Postgres, "postgresql://u@localhost/beacon")
		}},
		{"base URL without trailing slash", map[string]string{"BASE_URL": "https://status.example.com/", "PORT": "3000"}, func(t *testing.T, cfg app.Config) {
			if cfg.BaseURL != "https://status.example.com" {
				t.Errorf("BaseURL = %q, want https://status.example.com", cfg.BaseURL)
			}
		}},
		{"base URL with a path", map[string]string{"BASE_URL": "http://example.com/status/"}, func(t *testing.T, cfg app.Config) {
			if cfg.BaseURL != "http://example.com/status" {
				t.Errorf("BaseURL = %q, want http://example.com/status", cfg.BaseURL)
			}
		}},
		{"page and zone", map[string]string{"PAGE_NAME": " Acme ", "PAGE_TIME_ZONE": "Europe/Berlin"}, func(t *testing.T, cfg app.Config) {
			if cfg.PageName != "Acme" || cfg.TimeZoneName != "Europe/Berlin" || cfg.TimeZone == nil || cfg.TimeZone.String() != "Europe/Berlin" {
				t.Errorf("PageName, TimeZone = %q, %v, want Acme, Europe/Berlin", cfg.PageName, cfg.TimeZone)
			}
		}},
		{"logging", map[string]string{"LOG_LEVEL": "debug", "LOG_FORMAT": "json"}, func(t *testing.T, cfg app.Config) {
			if cfg.LogLevel != slog.LevelDebug || cfg.LogFormat != "json" {
				t.Errorf("LogLevel, LogFormat = %v, %q, want DEBUG, json", cfg.LogLevel, cfg.LogFormat)
			}
		}},
		{"secret and weight", map[string]string{"SECRET_KEY": secret, "UPTIME_PARTIAL_WEIGHT": "0.5", "SHUTDOWN_TIMEOUT": "3s"}, func(t *testing.T, cfg app.Config) {
			if cfg.SecretKey != secret || cfg.PartialOutageWeight != 0.5 || cfg.ShutdownTimeout != 3*time.Second {
				t.Errorf("SecretKey, weight, timeout = %q, %v, %v", cfg.SecretKey, cfg.PartialOutageWeight, cfg.ShutdownTimeout)
			}
		}},
		{"weight bounds are allowed", map[string]string{"UPTIME_PARTIAL_WEIGHT": "0"}, func(t *testing.T, cfg app.Config) {
			if cfg.PartialOutageWeight != 0 {
				t.Errorf("PartialOutageWeight = %v, want 0", cfg.PartialOutageWeight)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := app.LoadConfig(envOf(tt.env))
			if err != nil {
				t.Fatalf("LoadConfig(%v): %v", tt.env, err)
			}
			tt.check(t, cfg)
		})
	}
}

func wantDB(t *testing.T, cfg app.Config, dialect models.Dialect, dsn string) {
	t.Helper()
	if cfg.Dialect != dialect || cfg.DSN != dsn {
		t.Errorf("Dialect, DSN = %s, %q, want %s, %q", cfg.Dialect, cfg.DSN, dialect, dsn)
	}
}

// SNAPSHOT_DIR's default: beside the SQLite file, else under
// $XDG_STATE_HOME, else ./data/snapshot; "off" saves nothing.
func TestLoadConfigSnapshotDir(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"DATABASE_URL": "sqlite:/var/lib/beacon/beacon.db"}, "/var/lib/beacon/beacon.db.snapshot"},
		{map[string]string{"DATABASE_URL": "postgres://db.internal/beacon"}, "data/snapshot"},
		{map[string]string{"DATABASE_URL": "postgres://db.internal/beacon", "XDG_STATE_HOME": "/home/beacon/.local/state"}, "/home/beacon/.local/state/beacon/snapshot"},
		{map[string]string{"SNAPSHOT_DIR": "/srv/snap/"}, "/srv/snap"},
		{map[string]string{"SNAPSHOT_DIR": "off"}, ""},
	} {
		cfg, err := app.LoadConfig(envOf(tc.env))
		if err != nil || cfg.SnapshotDir != tc.want {
			t.Errorf("LoadConfig(%v).SnapshotDir = %q, %v; want %q", tc.env, cfg.SnapshotDir, err, tc.want)
		}
	}
	cfg, err := app.LoadConfig(envOf(map[string]string{"MIRROR_URL": "s3://status-site/live"}))
	if err != nil || cfg.Mirror == nil || cfg.Mirror.Bucket != "status-site" || cfg.Mirror.Prefix != "live/" {
		t.Errorf("LoadConfig(MIRROR_URL=s3://status-site/live).Mirror = %+v, %v", cfg.Mirror, err)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	tests := []struct{ name, value string }{
		{"PORT", "abc"},
		{"PORT", "0"},
		{"PORT", "70000"},
		{"PORT", "-1"},
		{"HOST", "every interface"},
		{"HOST", "127.0.0.1:8080"},
		{"HOST", "http://localhost"},
		{"DATABASE_URL", "mysql://x"},
		{"DATABASE_URL", "sqlite:"},
		{"DATABASE_URL", "sqlite://"},
		{"DATABASE_URL", "file:beacon.db?mode=ro"},
		{"DATABASE_URL", "postgres://"},
		{"DATABASE_URL", "beacon.db"},
		{"BASE_URL", "ftp://x"},
		{"BASE_URL", "status.example.com"},
		{"BASE_URL", "/status"},
		{"BASE_URL", "https://"},
		{"PAGE_NAME", strings.Repeat("n", 101)},
		{"PAGE_TIME_ZONE", "Mars/Olympus"},
		{"PAGE_TIME_ZONE", "Local"},
		{"LOG_LEVEL", "loud"},
		{"LOG_FORMAT", "xml"},
		{"SECRET_KEY", "short"},
		{"SECRET_KEY", strings.Repeat("k", app.MinSecretKeyLength-1)},
		{"UPTIME_PARTIAL_WEIGHT", "2"},
		{"UPTIME_PARTIAL_WEIGHT", "-0.1"},
		{"UPTIME_PARTIAL_WEIGHT", "lots"},
		{"SHUTDOWN_TIMEOUT", "0s"},
		{"SHUTDOWN_TIMEOUT", "soon"},
		{"TRUST_PROXY", "maybe"},
		{"API_RATE_LIMIT", "0"},
		{"API_RATE_LIMIT", "lots"},
		{"MIRROR_URL", "http://bucket.example.com"},
		{"MIRROR_URL", "file://relative"},
		{"MIRROR_URL", "s3://"},
		{"MIRROR_URL", "s3://id:secret@bucket/site"},
		{"SNAPSHOT_DIR", "a\x00b"},
		{"SNAPSHOT_EAGER", "sometimes"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value[:min(len(tt.value), 20)], func(t *testing.T) {
			_, err := app.LoadConfig(envOf(map[string]string{tt.name: tt.value}))
			if err == nil {
				t.Fatalf("LoadConfig(%s=%q) succeeded, want an error", tt.name, tt.value)
			}
			if !strings.Contains(err.Error(), tt.name) {
				t.Errorf("error %q does not name %s", err, tt.name)
			}
			if vars := configErrorVars(err); !slices.Equal(vars, []string{tt.name}) {
				t.Errorf("errors name %q, want only %s", vars, tt.name)
			}
		})
	}
}

func TestLoadConfigReportsEveryError(t *testing.T) {
	env := map[string]string{
		"PORT":                  "abc",
		"DATABASE_URL":          "mysql://x",
		"BASE_URL":              "ftp://x",
		"PAGE_TIME_ZONE":        "Mars/Olympus",
		"LOG_LEVEL":             "loud",
		"LOG_FORMAT":            "xml",
		"SECRET_KEY":            "short",
		"UPTIME_PARTIAL_WEIGHT": "2",
	}
	_, err := app.LoadConfig(envOf(env))
	if err == nil {
		t.Fatal("LoadConfig succeeded, want errors")
	}
	vars := configErrorVars(err)
	for name := range env {
		if !slices.Contains(vars, name) {
			t.Errorf("no error names %s; got %q", name, vars)
		}
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error text does not name %s: %s", name, err)
		}
	}
	if len(vars) != len(env) {
		t.Errorf("got %d errors %q, want %d", len(vars), vars, len(env))
	}
}

// Secrets (the key, a database password) are never echoed back in an error.
func TestLoadConfigHidesSecrets(t *testing.T) {
	for _, env := range []map[string]string{
		{"SECRET_KEY": "hunter2"},
		{"DATABASE_URL": "postgres://beacon:hunter2@/beacon"},
		{"DATABASE_URL": "mysql://beacon:hunter2@db/beacon"},
	} {
		_, err := app.LoadConfig(envOf(env))
		if err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("LoadConfig(%v) error = %v, want one that does not repeat the secret", env, err)
		}
	}
}
