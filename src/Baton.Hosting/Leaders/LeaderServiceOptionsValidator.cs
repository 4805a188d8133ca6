using Baton.Hosting.Internal;
using Microsoft.Extensions.Options;

namespace Baton.Hosting;

/// <summary>Checks every leader service's options when the host starts; each failure names the option.</summary>
internal sealed class LeaderServiceOptionsValidator : IValidateOptions<LeaderServiceOptions>
{
    public ValidateOptionsResult Validate(string? name, LeaderServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var key = $"{nameof(LeaderServiceOptions)}['{name}']";
        var failures = RetryDelays.Problems(
            $"{key}.{nameof(options.RetryDelay)}", options.RetryDelay, $"{key}.{nameof(options.MaxRetryDelay)}", options.MaxRetryDelay).ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
