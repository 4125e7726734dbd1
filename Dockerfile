# sendgate: a static binary on a distroless base, running as non-root.
#
#   docker build -t sendgate:dev .
#   docker run --rm -p 9090:9090 -p 8080:8080 sendgate:dev
#
# The default policy bundle is embedded in the binary; mount a bundle
# directory or .tar.gz and pass --bundle (or SENDGATE_BUNDLE) to serve
# another. The build context keeps .git so that "sendgate version" and
# sendgate_build_info name the commit.

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/sendgate ./cmd/sendgate \
 && /out/sendgate version \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/sendgate /usr/local/bin/sendgate
# --data-dir keeps the last good bundle here; mount a volume over it.
COPY --from=build --chown=65532:65532 /out/data /var/lib/sendgate
USER 65532:65532
# gRPC, HTTP/JSON, metrics and probes. In a container the metrics port
# listens on every interface (outside one its default is 127.0.0.1), so
# that -p 9464:9464 and the kubelet's probes reach it.
EXPOSE 9090 8080 9464
ENTRYPOINT ["/usr/local/bin/sendgate"]
CMD ["serve", "--data-dir", "/var/lib/sendgate", "--metrics-addr", ":9464"]
