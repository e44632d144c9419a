# Triggers cron worker. Build from the repository root:
#   docker build -f deploy/docker/cron.Dockerfile -t triggers-cron .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY shared/ shared/
COPY triggers/Triggers.Cron/ triggers/Triggers.Cron/
RUN dotnet publish triggers/Triggers.Cron/Triggers.Cron.csproj -c Release -o /app --no-self-contained /p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /app ./
# Chiseled images run as the non-root "app" user (UID 1654) by default; keep it explicit.
USER 1654
ENV ASPNETCORE_URLS=http://+:8080 \
    DOTNET_gcServer=0 \
    Triggers__Source=Kubernetes
EXPOSE 8080
ENTRYPOINT ["dotnet", "Triggers.Cron.dll"]
