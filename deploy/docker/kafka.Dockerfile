# Triggers kafka worker. Build from the repository root:
#   docker build -f deploy/docker/kafka.Dockerfile -t triggers-kafka .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY shared/ shared/
COPY triggers/Triggers.Kafka/ triggers/Triggers.Kafka/
RUN dotnet publish triggers/Triggers.Kafka/Triggers.Kafka.csproj -c Release -o /app --no-self-contained /p:UseAppHost=false

# Not chiseled: librdkafka (shipped inside Confluent.Kafka) needs the C libraries of a full base image.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# The non-root "app" user (UID 1654) that .NET images ship.
USER 1654
ENV ASPNETCORE_URLS=http://+:8080 \
    DOTNET_gcServer=0 \
    Triggers__Source=Kubernetes
EXPOSE 8080
ENTRYPOINT ["dotnet", "Triggers.Kafka.dll"]
