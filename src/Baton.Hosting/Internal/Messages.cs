namespace Baton.Hosting.Internal;

/// <summary>Exception text reworded for the host's messages.</summary>
internal static class Messages
{
    /// <summary>
    /// An <see cref="ArgumentException"/>'s message without its " (Parameter 'x')" tail, which names a parameter of
    /// the core rather than the configuration key the user set.
    /// </summary>
    public static string Of(ArgumentException exception)
    {
        var message = exception.Message;
        var suffix = $" (Parameter '{exception.ParamName}')";
        return exception.ParamName is not null && message.EndsWith(suffix, StringComparison.Ordinal) ? message[..^suffix.Length] : message;
    }
}
