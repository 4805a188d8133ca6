using System.Globalization;
using Baton.Backends;
using Baton.Hosting.Internal;
using Microsoft.Extensions.Options;

namespace Baton.Hosting;

/// <summary>
/// Checks one connection's <see cref="BatonOptions"/> when the host starts: everything that can be checked without
/// connecting (the URL parses and names a known scheme, the member id and durations are in range). Each failure names
/// the configuration key it came from, and shows the URL only with its password hidden. What only the backend can
/// judge (its query options, whether its package is referenced) is reported when connecting.
/// </summary>
internal sealed class BatonOptionsValidator(BatonRegistration registration) : IValidateOptions<BatonOptions>
{
    // The core's limits (CoordinatorOptions), repeated so that a bad value fails the start with the key named
    // instead of failing the first connect.
    private static readonly TimeSpan MinWatchPollInterval = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan MaxWatchPollInterval = TimeSpan.FromHours(1);
    private static readonly TimeSpan MaxFiniteTimeout = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    public ValidateOptionsResult Validate(string? name, BatonOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.Equals(name ?? Options.DefaultName, registration.Name, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip;
        }

        var failures = new List<string>();
        if (CheckUrl(options.BackendUrl) is { } urlFailure)
        {
            failures.Add($"{registration.KeyOf(nameof(BatonOptions.BackendUrl))}: {urlFailure}");
        }

        try
        {
            MemberIdentity.ForCurrentProcess(options.MemberId);
        }
        catch (ArgumentException e)
        {
            failures.Add($"{registration.KeyOf(nameof(BatonOptions.MemberId))}: {Messages.Of(e)}");
        }

        if ((options.ConnectTimeout <= TimeSpan.Zero || options.ConnectTimeout > MaxFiniteTimeout) && options.ConnectTimeout != Timeout.InfiniteTimeSpan)
        {
            failures.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"{registration.KeyOf(nameof(BatonOptions.ConnectTimeout))}: must be positive and at most {MaxFiniteTimeout.TotalDays:F1} days, or Timeout.InfiniteTimeSpan (-00:00:00.001); got {options.ConnectTimeout}."));
        }

        if (options.WatchPollInterval < MinWatchPollInterval || options.WatchPollInterval > MaxWatchPollInterval)
        {
            failures.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"{registration.KeyOf(nameof(BatonOptions.WatchPollInterval))}: must be between 1 ms and 1 hour; got {options.WatchPollInterval}."));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string? CheckUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "is not set. Set it to a backend URL such as redis://host:6379, etcd://host:2379 or postgres://user@host/db, "
                + "or to file:// for lock files on this machine only.";
        }

        BackendUrl parsed;
        try
        {
            parsed = Backends.BackendUrl.Parse(url.Trim());
        }
        catch (ArgumentException e)
        {
            // The core's parse messages show the URL through BackendUrl.Redact already.
            return Messages.Of(e);
        }

        if (!BackendRegistry.KnownSchemes.Contains(parsed.Scheme, StringComparer.Ordinal))
        {
            return $"'{parsed}' names the unknown backend scheme '{parsed.Scheme}'. Known schemes: {string.Join(", ", BackendRegistry.KnownSchemes)}.";
        }

        return null;
    }
}
