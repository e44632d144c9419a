# Triggers nats worker. Build from the repository root:
#   docker build -f deploy/docker/nats.Dockerfile -t triggers-nats .
# Released multi-arch (amd64, arm64) by .github/workflows/release.yaml.
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG TARGETARCH
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY shared/ shared/
COPY triggers/Triggers.Nats/ triggers/Triggers.Nats/
# Built on the build machine's platform for the target's architecture (no emulation).
RUN dotnet publish triggers/Triggers.Nats/Triggers.Nats.csproj -c Release -o /app --no-self-contained /p:UseAppHost=false \
    -a $(if [ "$TARGETARCH" = arm64 ]; then echo arm64; else echo x64; fi)

# -extra: the chiseled image with tzdata (spec.timeZone) and ICU; the plain chiseled one has neither.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled-extra AS runtime
WORKDIR /app
COPY --from=build /app ./
# Chiseled images run as the non-root "app" user (UID 1654) by default; keep it explicit.
USER 1654
# One globalization setting for every image (ICU, not invariant); JSON console logs, one line
# per entry, for log collectors (Logging__Console__FormatterName=simple for text).
# Socket completions run on the epoll threads, no thread-pool hop: lower CPU per event in 23 of
# 31 measured pairs (docs/benchmarks.md, "Runtime settings, fifth session"); =0 to turn it off.
ENV ASPNETCORE_URLS=http://+:8080 \
    DOTNET_gcServer=0 \
    DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 \
    DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=false \
    Logging__Console__FormatterName=json \
    OTEL_SERVICE_NAME=triggers-nats \
    Triggers__Source=Kubernetes
EXPOSE 8080
ENTRYPOINT ["dotnet", "Triggers.Nats.dll"]
