// Command beacon runs the Beacon status page server and its tools
// (migrate, user add, token add, demo). Run 'beacon help'.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	cli := &CLI{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	code := cli.Run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
