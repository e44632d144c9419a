using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using Triggers.Cron.Internal;
using Triggers.Testing;

namespace Triggers.Cron.Tests;

/// <summary><c>POST /cron/{namespace}/{name}/run</c>: off by default, and behind a bearer token when on.</summary>
public sealed class RunEndpointTests
{
    private const string Token = "s3cret-run-token";

    [Fact]
    public async Task Run_Endpoint_Fires_A_Trigger_Once_Now_With_The_Token_And_Refuses_Without_It()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        var (folder, statePath) = CronWorker.NewFolders();
        File.WriteAllText(Path.Combine(folder, "function.yaml"), CronWorker.Function("target", function.Url));
        File.WriteAllText(Path.Combine(folder, "trigger.yaml"), CronWorker.Trigger("on-demand", "target", "@yearly"));
        await using var worker = await CronWorker.StartAsync(
            new Dictionary<string, string?>
            {
                ["Triggers:Source"] = "Manifests",
                ["Triggers:ManifestsPath"] = folder,
                ["Triggers:StatePath"] = statePath,
                ["Cron:EnableRunEndpoint"] = "true",
                ["Cron:RunEndpointToken"] = Token,
            },
            folder: folder,
            statePath: statePath);
        await worker.WaitForStateAsync("on-demand", s => s.NextScheduleTime is not null, "scheduled");
        using var http = new HttpClient { BaseAddress = worker.BaseUrl };

        using var anonymous = await http.PostAsync(new Uri("cron/default/on-demand/run", UriKind.Relative), null);
        using var wrong = await PostAsync(http, "cron/default/on-demand/run", "s3cret-run-tokeN");
        using var fired = await PostAsync(http, "cron/default/on-demand/run", Token);
        using var unknown = await PostAsync(http, "cron/default/no-such-trigger/run", Token);
        await function.WaitForRequestsAsync(1);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, fired.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var request = Assert.Single(function.Requests);
        Assert.Equal("api", request.Header(CronHeaders.RunNow));
        Assert.Equal("on-demand", request.Header("event-topic"));
    }

    [Fact]
    public async Task Run_Endpoint_Is_Not_Served_By_Default()
    {
        await using var worker = await CronWorker.StartAsync();
        using var http = new HttpClient { BaseAddress = worker.BaseUrl };

        using var response = await http.PostAsync(new Uri("cron/default/anything/run", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Enabling_The_Run_Endpoint_Without_A_Token_Fails_At_Start_Naming_The_Key()
    {
        var (folder, statePath) = CronWorker.NewFolders();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => CronWorker.StartAsync(
            new Dictionary<string, string?>
            {
                ["Triggers:Source"] = "Manifests",
                ["Triggers:ManifestsPath"] = folder,
                ["Cron:EnableRunEndpoint"] = "true",
            },
            folder: folder,
            statePath: statePath));

        Assert.Contains("Cron:RunEndpointToken", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("Bearer " + Token, true)]
    [InlineData("bearer " + Token, true)]
    [InlineData("Basic " + Token, false)]
    [InlineData("Bearer " + Token + "x", false)]
    [InlineData("Bearer ", false)]
    public void Bearer_Token_Matches_Only_The_Configured_Token(string? header, bool matches) =>
        Assert.Equal(matches, BearerToken.Matches(header is null ? default : new Microsoft.Extensions.Primitives.StringValues(header), Token));

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }
}
