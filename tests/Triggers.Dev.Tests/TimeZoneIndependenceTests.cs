using System.Diagnostics;

namespace Triggers.Dev.Tests;

/// <summary>
/// spec.timeZone does not depend on the machine's tz database: with TZDIR pointed at an empty
/// folder (what .NET reads on Linux instead of /usr/share/zoneinfo), as in an image without
/// tzdata, a CronJobTrigger in Europe/Berlin is still valid and an unknown zone still is not.
/// </summary>
public sealed class TimeZoneIndependenceTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("triggers-dev-tz-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Time_Zones_Resolve_Without_Tzdata_On_The_Machine()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_folder, "no-zoneinfo")).FullName;
        var good = Manifests("good", "Europe/Berlin");
        var bad = Manifests("bad", "Europe/Atlantis");

        var (exit, output) = await ValidateWithoutTzdataAsync(empty, good);
        Assert.True(exit == 0, output);
        Assert.DoesNotContain("InvalidTimeZone", output, StringComparison.Ordinal);

        (exit, output) = await ValidateWithoutTzdataAsync(empty, bad);
        Assert.Equal(1, exit);
        Assert.Contains("InvalidTimeZone", output, StringComparison.Ordinal);
    }

    private string Manifests(string name, string timeZone)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_folder, name)).FullName;
        File.WriteAllText(Path.Combine(folder, "cron.yaml"), $"""
            apiVersion: kubeless.io/v1beta1
            kind: Function
            metadata:
              name: fn
              annotations:
                triggers/endpoint: http://127.0.0.1:9/
            ---
            apiVersion: kubeless.io/v1beta1
            kind: CronJobTrigger
            metadata:
              name: nine-in-berlin
            spec:
              function-name: fn
              schedule: '0 9 * * *'
              timeZone: {timeZone}
            """);
        return folder;
    }

    private Task<(int ExitCode, string Output)> ValidateWithoutTzdataAsync(string zoneinfo, string manifests)
    {
        var start = new ProcessStartInfo("dotnet") { ArgumentList = { DevProcess.Dll } };
        start.Environment["TZDIR"] = zoneinfo;
        start.Environment["TZ"] = "UTC";
        return DevProcess.RunAsync(start, Path.Combine(_folder, "session.json"), "validate", manifests);
    }
}
