package mirror

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// Spec is a parsed MIRROR_URL.
type Spec struct {
	Scheme string // "file" or "s3"
	Dir    string // file: the directory
	Bucket string // s3: the bucket
	Prefix string // s3: the key prefix, "" or ending in "/"
}

// String is the URL again (it holds no credentials: those come from the
// environment).
func (s Spec) String() string {
	if s.Scheme == "file" {
		return "file://" + s.Dir
	}
	return "s3://" + s.Bucket + "/" + s.Prefix
}

// ParseURL parses MIRROR_URL: file:///absolute/dir or s3://bucket[/prefix].
func ParseURL(raw string) (Spec, error) {
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery != "" || u.Fragment != "" || u.User != nil || u.Opaque != "" {
		return Spec{}, errors.New("must be file:///absolute/directory or s3://bucket/prefix (no query, no credentials: they come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
	}
	switch u.Scheme {
	case "file":
		if (u.Host != "" && u.Host != "localhost") || !strings.HasPrefix(u.Path, "/") || strings.ContainsFunc(u.Path, unicode.IsControl) {
			return Spec{}, errors.New("a file URL needs an absolute directory: file:///var/lib/beacon/mirror")
		}
		return Spec{Scheme: "file", Dir: filepath.Clean(u.Path)}, nil
	case "s3":
		if !validBucket(u.Host) {
			return Spec{}, errors.New("an s3 URL needs a bucket name (3 to 63 lowercase letters, digits, dots and hyphens): s3://bucket/prefix")
		}
		prefix := strings.Trim(u.Path, "/")
		if strings.Contains(prefix, "//") || strings.Contains(prefix, "..") || len(prefix) > 512 || strings.ContainsFunc(prefix, unicode.IsControl) {
			return Spec{}, errors.New("the s3 prefix must be a plain path such as status/site")
		}
		if prefix != "" {
			prefix += "/"
		}
		return Spec{Scheme: "s3", Bucket: u.Host, Prefix: prefix}, nil
	}
	return Spec{}, errors.New("must start with file:// or s3://")
}

func validBucket(b string) bool {
	if len(b) < 3 || len(b) > 63 {
		return false
	}
	for _, r := range b {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

// Open makes the target of spec. An S3 target takes its endpoint, region
// and credentials from the environment (getenv): AWS_ENDPOINT_URL (or
// AWS_ENDPOINT_URL_S3) for an S3-compatible server other than AWS, which
// is then addressed path-style; AWS_REGION (default us-east-1);
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN or the
// SDK's other sources (a profile, an instance role).
func Open(ctx context.Context, spec Spec, getenv func(string) string) (Target, error) {
	switch spec.Scheme {
	case "file":
		if err := os.MkdirAll(spec.Dir, 0o755); err != nil {
			return nil, fmt.Errorf("mirror: %w", err)
		}
		return DirTarget(spec.Dir), nil
	case "s3":
		return openS3(ctx, spec, getenv)
	}
	return nil, fmt.Errorf("mirror: unknown scheme %q", spec.Scheme)
}

// DirTarget is a directory: each object a file, written through a
// temporary file and a rename (content types are in the manifest).
type DirTarget string

func (d DirTarget) String() string { return "file://" + string(d) }

func (d DirTarget) path(name string) (string, error) {
	if name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, "..") {
		return "", fmt.Errorf("mirror: bad object name %q", name)
	}
	return filepath.Join(string(d), filepath.FromSlash(name)), nil
}

func (d DirTarget) Put(_ context.Context, o Object) error {
	path, err := d.path(o.Name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(o.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

func (d DirTarget) Get(_ context.Context, name string) ([]byte, error) {
	path, err := d.path(name)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotExist, name)
	}
	return b, err
}

// s3Target is a bucket and key prefix on S3 or an S3-compatible server.
type s3Target struct {
	client *s3.Client
	spec   Spec
}

func openS3(ctx context.Context, spec Spec, getenv func(string) string) (Target, error) {
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	if region == "" {
		region = "us-east-1"
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		return nil, fmt.Errorf("mirror: AWS configuration: %w", err)
	}
	endpoint := getenv("AWS_ENDPOINT_URL_S3")
	if endpoint == "" {
		endpoint = getenv("AWS_ENDPOINT_URL")
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true // S3-compatible servers (SeaweedFS, MinIO) and local endpoints
		}
		// Checksums only where S3 requires them: S3-compatible servers
		// do not all take the streamed trailers of the SDK's default.
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	return &s3Target{client: client, spec: spec}, nil
}

func (t *s3Target) String() string { return t.spec.String() }

func (t *s3Target) Put(ctx context.Context, o Object) error {
	_, err := t.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(t.spec.Bucket), Key: aws.String(t.spec.Prefix + o.Name),
		Body: bytes.NewReader(o.Body), ContentLength: aws.Int64(int64(len(o.Body))),
		ContentType: aws.String(o.ContentType), CacheControl: aws.String(o.CacheControl),
	})
	return err
}

func (t *s3Target) Get(ctx context.Context, name string) ([]byte, error) {
	out, err := t.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(t.spec.Bucket), Key: aws.String(t.spec.Prefix + name)})
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && (ae.ErrorCode() == "NoSuchKey" || ae.ErrorCode() == "NotFound") {
			return nil, fmt.Errorf("%w: %s", ErrNotExist, name)
		}
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}
