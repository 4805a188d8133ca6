namespace Baton.Cli.Shared;

/// <summary>Messages to the operator (standard error, prefixed <c>baton:</c>) and the exit code each failure maps to.</summary>
internal static class Report
{
    /// <summary>Writes <c>baton: MESSAGE</c> to standard error.</summary>
    /// <param name="message">What happened and, where it helps, what to do.</param>
    public static void Error(string message) => StandardStreams.Error.WriteLine($"baton: {message}");

    /// <summary>
    /// Reports a failure of a library call and returns its exit code: 64 for a bad argument (name, URL,
    /// option), 69 for an unreachable backend, 70 for anything unexpected.
    /// </summary>
    /// <param name="exception">What the library threw.</param>
    public static int Failure(Exception exception)
    {
        switch (exception)
        {
            case ArgumentException argument:
                Error(WithoutParameter(argument));
                return ExitCodes.Usage;
            case BackendUnavailableException unavailable:
                Error($"backend unavailable: {unavailable.Message}");
                return ExitCodes.BackendUnavailable;
            default:
                Error($"unexpected error: {exception.GetType().Name}: {exception.Message}");
                return ExitCodes.InternalError;
        }
    }

    /// <summary>An argument exception's message without .NET's " (Parameter 'x')" suffix, which means nothing on a command line.</summary>
    /// <param name="exception">The exception.</param>
    public static string WithoutParameter(ArgumentException exception)
    {
        var message = exception.Message;
        var suffix = exception.ParamName is { } name ? $" (Parameter '{name}')" : null;
        return suffix is not null && message.EndsWith(suffix, StringComparison.Ordinal) ? message[..^suffix.Length] : message;
    }
}
