package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/beaconstatus/beacon/app"
	"github.com/beaconstatus/beacon/app/demo"
	"github.com/beaconstatus/beacon/app/mirror"
	"github.com/beaconstatus/beacon/app/snapshot"
	"github.com/beaconstatus/beacon/models"
)

// Version is Beacon's version, set at build time with
// -ldflags "-X main.Version=v1.2.3".
var Version = "dev"

// CLI is the beacon command line: its streams and environment, so the
// commands can be run and tested in-process.
type CLI struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

// command is one sub-command of beacon.
type command struct {
	name, args, summary, help string
	run                       func(cli *CLI, ctx context.Context, args []string) error
}

// usageError makes the command exit 2 with a one-line hint.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func commands() []command {
	return []command{
		{name: "serve", summary: "run the web server (the default)", run: (*CLI).serve,
			help: "Runs the status page server on PORT. On SQLite it migrates the database first;\non PostgreSQL it refuses to start while migrations are pending (run beacon migrate).\nIt also starts and completes scheduled maintenance on time (every replica may: each\ntransition happens once) and sends the email notifications. SIGINT or SIGTERM stop it\ngracefully: in-flight requests, the scheduler's current round and the messages being\nsent finish, then the database closes."},
		{name: "migrate", summary: "apply pending database migrations", run: (*CLI).migrate,
			help: "Applies every pending migration, each in a transaction. Safe to run again: with\nnothing pending it changes nothing. Several replicas may run it at once on PostgreSQL."},
		{name: "user", args: "add --email E --role admin|editor [--name N] [--password-stdin]", summary: "add an operator", run: (*CLI).user,
			help: "Adds an operator who can sign in to the console. The password is read from\nstandard input with --password-stdin (first line), or asked for at a prompt."},
		{name: "token", args: "add --name N [--role admin|editor]", summary: "create an API token", run: (*CLI).token,
			help: "Creates a management API token and prints it once, on its own last line.\nOnly its hash is stored: keep it somewhere safe."},
		{name: "demo", args: "[--large]", summary: "load a realistic demo page into an empty database", run: (*CLI).demo,
			help: "Loads demo components, groups, 90 days of incidents, an active incident and an\nupcoming maintenance into the configured database, which must have no components yet.\nWith --large it loads the page the benchmarks measure instead: 25 components in 5\ngroups, 500 incidents over two years and 2 active incidents with 10 updates each."},
		{name: "export", args: "DIR", summary: "write the public site as static files", run: (*CLI).export,
			help: "Writes the public site into DIR as static files any web server, object store or CDN can\nserve: the status page and the pages of open and recent incidents (each as index.html in\nits directory, so links work from a bucket), the history page and feeds, the public API's\nJSON documents, badges, the widget and the static assets, with beacon-manifest.json\nlisting each file's content type and cache policy. Only changed files are rewritten\nwhen DIR already holds an export. MIRROR_URL keeps such a copy current continuously."},
		{name: "version", summary: "print the version", run: (*CLI).version, help: "Prints Beacon's version."},
		{name: "help", args: "[command]", summary: "explain a command", run: (*CLI).helpCmd, help: "Explains beacon or one of its commands."},
	}
}

func findCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// Run runs the command line and returns the process's exit code: 0 on
// success, 1 on failure, 2 on a usage mistake.
func (cli *CLI) Run(ctx context.Context, args []string) int {
	name := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	} else if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		name, args = "help", nil
	}
	cmd, ok := findCommand(name)
	if !ok {
		fmt.Fprintf(cli.Stderr, "beacon: unknown command %q; run 'beacon help' for the list of commands\n", name)
		return 2
	}
	err := cmd.run(cli, ctx, args)
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		cli.printCommandHelp(cmd)
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(cli.Stderr, "beacon %s: %s; run 'beacon %s -h' for usage\n", cmd.name, ue.msg, cmd.name)
		return 2
	}
	fmt.Fprintf(cli.Stderr, "beacon %s: %s\n", cmd.name, err)
	return 1
}

// flags makes a command's flag set; parse errors become usage errors.
func flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("beacon "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{msg: err.Error()}
	}
	if fs.NArg() > 0 {
		return &usageError{msg: fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

func (cli *CLI) printCommandHelp(cmd command) {
	fmt.Fprintf(cli.Stdout, "Usage: beacon %s %s\n\n%s\n", cmd.name, cmd.args, cmd.help)
	if cmd.name == "serve" || cmd.name == "help" {
		fmt.Fprint(cli.Stdout, "\n"+envHelp)
	}
}

const envHelp = `Configuration (environment):
  PORT                   port to listen on (default 8080)
  HOST                   address to listen on, e.g. 127.0.0.1 (default every interface)
  DATABASE_URL           unset: SQLite file beacon.db here; sqlite:PATH or file:PATH: SQLite at PATH;
                         postgres://user:pass@host:5432/db: PostgreSQL
  BASE_URL               public URL of the page, for links in emails and feeds (default http://localhost:PORT)
  PAGE_NAME              name shown on the page (default Beacon)
  PAGE_TIME_ZONE         IANA time zone of the page, e.g. Europe/Berlin (default UTC)
  LOG_LEVEL, LOG_FORMAT  debug|info|warn|error (default info); text|json (default text)
  SECRET_KEY             signs links; unset: generated on first start and kept in the database
  UPTIME_PARTIAL_WEIGHT  share of a partial outage counted as downtime, 0–1 (default 0.3)
  SMTP_URL               mail server: smtp://user:pass@host:587 (STARTTLS required unless ?starttls=optional or the host is loopback)
                         or smtps://user:pass@host:465; unset: messages are written to the log
  MAIL_FROM              sender, e.g. "Example Status <status@example.com>" (required with SMTP_URL)
  MAIL_RATE, MAIL_WORKERS  messages per second (unset: unlimited); sending workers (default 4)
  SNAPSHOT_DIR           where the public pages are saved after each change, served when the database is
                         unreachable at start (default: beside the SQLite file, else
                         $XDG_STATE_HOME/beacon/snapshot, else ./data/snapshot; off: not saved)
  MIRROR_URL             copy the public pages there after each change: file:///dir or s3://bucket/prefix
                         (S3: AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)
`

func (cli *CLI) helpCmd(_ context.Context, args []string) error {
	if len(args) > 0 {
		cmd, ok := findCommand(args[0])
		if !ok {
			return &usageError{msg: fmt.Sprintf("unknown command %q", args[0])}
		}
		cli.printCommandHelp(cmd)
		return nil
	}
	fmt.Fprint(cli.Stdout, "Beacon is a self-hosted status page server with postmortems.\n\nUsage: beacon <command> [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(cli.Stdout, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprint(cli.Stdout, "\nRun 'beacon <command> -h' for a command's flags.\n\n"+envHelp)
	return nil
}

func (cli *CLI) version(_ context.Context, args []string) error {
	if err := parseFlags(flags("version"), args); err != nil {
		return err
	}
	v := Version
	if info, ok := debug.ReadBuildInfo(); ok && v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		v = info.Main.Version
	}
	fmt.Fprintf(cli.Stdout, "beacon %s\n", v)
	return nil
}

// open loads the configuration and the logger (writing to logTo) and opens
// the database, without looking at its schema.
func (cli *CLI) open(ctx context.Context, logTo io.Writer) (app.Config, *slog.Logger, *models.DB, error) {
	cfg, log, err := cli.config(logTo)
	if err != nil {
		return cfg, log, nil, err
	}
	db, err := openDB(ctx, cfg, log)
	return cfg, log, db, err
}

// config loads the configuration and the logger (writing to logTo).
func (cli *CLI) config(logTo io.Writer) (app.Config, *slog.Logger, error) {
	cfg, err := app.LoadConfig(cli.Getenv)
	if err != nil {
		return cfg, nil, fmt.Errorf("invalid configuration:\n  %s", strings.ReplaceAll(err.Error(), "\n", "\n  "))
	}
	return cfg, app.NewLogger(cfg, logTo), nil
}

// unreachableError is a database that cannot be opened or does not answer
// (as opposed to one that answers with a problem, such as pending
// migrations).
type unreachableError struct{ err error }

func (e *unreachableError) Error() string { return e.err.Error() }
func (e *unreachableError) Unwrap() error { return e.err }

// openDB opens the database of cfg.
func openDB(ctx context.Context, cfg app.Config, log *slog.Logger) (*models.DB, error) {
	db, err := models.Open(ctx, cfg.Dialect, cfg.DSN, log)
	if err != nil {
		return nil, &unreachableError{fmt.Errorf("cannot open the %s database (DATABASE_URL): %w", cfg.Dialect, err)}
	}
	return db, nil
}

// setup loads the configuration, the logger (writing to logTo) and the database. With
// migrateSQLite, an SQLite database is migrated (it is embedded: nobody
// else runs beacon migrate for it); a PostgreSQL database must already be
// current.
func (cli *CLI) setup(ctx context.Context, migrateSQLite bool, logTo io.Writer) (app.Config, *slog.Logger, *models.DB, error) {
	cfg, log, err := cli.config(logTo)
	if err != nil {
		return cfg, log, nil, err
	}
	db, err := connect(ctx, cfg, log, migrateSQLite)
	return cfg, log, db, err
}

// connect opens the database of cfg, migrates it when it is SQLite and
// migrateSQLite says so, and checks that its schema is current. A database
// that cannot be reached is an *unreachableError.
func connect(ctx context.Context, cfg app.Config, log *slog.Logger, migrateSQLite bool) (*models.DB, error) {
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	// failed closes db and says whether err came from a database that
	// stopped answering.
	failed := func(err error) error {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		down := db.Ping(pctx) != nil
		db.Close()
		if down {
			return &unreachableError{err}
		}
		return err
	}
	if cfg.Dialect == models.SQLite && migrateSQLite {
		res, err := db.Migrate(ctx)
		if err != nil {
			return nil, failed(err)
		}
		if len(res.Applied) > 0 {
			log.Info("migrated database", "from", res.From, "to", res.To)
		}
	}
	if err := db.CheckMigrations(ctx); err != nil {
		if errors.Is(err, models.ErrPendingMigrations) {
			db.Close()
			return nil, fmt.Errorf("%w: run 'beacon migrate' first", err)
		}
		return nil, failed(err)
	}
	return db, nil
}

// serveGCPercent is the garbage collector's GOGC in beacon serve, unless
// the GOGC environment variable sets it.
const serveGCPercent = 400

func (cli *CLI) serve(ctx context.Context, args []string) error {
	if err := parseFlags(flags("serve"), args); err != nil {
		return err
	}
	// Under a traffic spike the server allocates fast on a small live heap
	// (about 11 MB on the large demo): at the default pacing (GOGC=100) the
	// collector runs a dozen times a second, and its marking lands on the
	// slowest requests. GOGC=400 (docs/benchmarks.md) keeps p99 within 1.5x of
	// a bare server's for a heap of a few tens of MB. GOGC, when set, wins.
	if cli.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	// The server logs a line per request: in batches (logbuffer.go).
	logs := app.NewLogBuffer(cli.Stderr)
	defer logs.Flush()
	cfg, log, err := cli.config(logs)
	if err != nil {
		return err
	}
	db, err := connect(ctx, cfg, log, true)
	var down *unreachableError
	if errors.As(err, &down) && cfg.SnapshotDir != "" {
		// The database is unreachable: serve the snapshot the last server
		// saved, and switch to live data once the database answers.
		saved, lerr := snapshot.Load(cfg.SnapshotDir)
		if lerr != nil {
			return fmt.Errorf("%w\n(and no saved snapshot to serve meanwhile: %v)", err, lerr)
		}
		return app.ServeStandby(ctx, cfg, log, saved, func(ctx context.Context) (*models.DB, error) {
			return connect(ctx, cfg, log, true)
		})
	}
	if err != nil {
		return err
	}
	defer db.Close()
	a, err := app.New(ctx, cfg, db, log)
	if err != nil {
		return err
	}
	return a.Serve(ctx)
}

func (cli *CLI) export(ctx context.Context, args []string) error {
	fs := flags("export")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{msg: err.Error()}
	}
	if fs.NArg() != 1 || fs.Arg(0) == "" {
		return &usageError{msg: "expected one argument: the directory to write the site into"}
	}
	dir, err := filepath.Abs(fs.Arg(0))
	if err != nil {
		return err
	}
	cfg, log, db, err := cli.setup(ctx, true, cli.Stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	cfg.Mirror, cfg.SnapshotDir = nil, ""
	a, err := app.New(ctx, cfg, db, log)
	if err != nil {
		return err
	}
	target, err := mirror.Open(ctx, mirror.Spec{Scheme: "file", Dir: dir}, cli.Getenv)
	if err != nil {
		return err
	}
	n, err := a.Export(ctx, target)
	if err != nil {
		return err
	}
	fmt.Fprintf(cli.Stdout, "Exported the public site to %s (%d files written).\n", dir, n)
	return nil
}

func (cli *CLI) migrate(ctx context.Context, args []string) error {
	if err := parseFlags(flags("migrate"), args); err != nil {
		return err
	}
	cfg, _, db, err := cli.open(ctx, cli.Stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(res.Applied) == 0 {
		fmt.Fprintf(cli.Stdout, "Database is up to date (schema version %d); nothing to do.\n", res.To)
		return nil
	}
	fmt.Fprintf(cli.Stdout, "Migrated the %s database from schema version %d to %d.\n", cfg.Dialect, res.From, res.To)
	return nil
}

func (cli *CLI) user(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return flag.ErrHelp
		}
		return &usageError{msg: "expected 'user add'"}
	}
	fs := flags("user add")
	email := fs.String("email", "", "email address (sign-in name)")
	role := fs.String("role", "", "admin or editor")
	name := fs.String("name", "", "display name")
	fromStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *email == "" {
		return &usageError{msg: "--email is required"}
	}
	if *role != models.RoleAdmin && *role != models.RoleEditor {
		return &usageError{msg: "--role must be admin or editor"}
	}
	password, err := cli.readPassword(*fromStdin)
	if err != nil {
		return err
	}
	_, _, db, err := cli.setup(ctx, true, cli.Stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.CreateUser(ctx, *email, *name, *role, password)
	if err != nil {
		return err
	}
	fmt.Fprintf(cli.Stdout, "Added %s %s.\n", u.Role, u.Email)
	return nil
}

// readPassword reads the password from the first line of stdin, or asks
// for it twice at a terminal prompt.
func (cli *CLI) readPassword(fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(cli.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read password from standard input: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	f, ok := cli.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", &usageError{msg: "no terminal to ask for a password: use --password-stdin"}
	}
	ask := func(prompt string) (string, error) {
		fmt.Fprint(cli.Stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(cli.Stderr)
		return string(b), err
	}
	p1, err := ask("Password: ")
	if err != nil {
		return "", err
	}
	p2, err := ask("Again: ")
	if err != nil {
		return "", err
	}
	if p1 != p2 {
		return "", errors.New("the passwords do not match")
	}
	return p1, nil
}

func (cli *CLI) token(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return flag.ErrHelp
		}
		return &usageError{msg: "expected 'token add'"}
	}
	fs := flags("token add")
	name := fs.String("name", "", "what the token is for, e.g. alertmanager")
	role := fs.String("role", models.RoleAdmin, "admin or editor")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *name == "" {
		return &usageError{msg: "--name is required"}
	}
	_, _, db, err := cli.setup(ctx, true, cli.Stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	secret, t, err := db.CreateAPIToken(ctx, *name, *role)
	if err != nil {
		return err
	}
	fmt.Fprintf(cli.Stdout, "Created %s API token %q (%s…). It is shown only now:\n%s\n", t.Role, t.Name, t.Prefix, secret)
	return nil
}

func (cli *CLI) demo(ctx context.Context, args []string) error {
	fs := flags("demo")
	large := fs.Bool("large", false, "load the large demo the benchmarks measure")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	_, _, db, err := cli.setup(ctx, true, cli.Stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	load := demo.Load
	if *large {
		load = demo.LoadLarge
	}
	sum, err := load(ctx, db, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(cli.Stdout, "Loaded the demo page: %s\n", sum)
	return nil
}
