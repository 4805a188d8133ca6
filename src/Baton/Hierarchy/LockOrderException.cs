namespace Baton;

/// <summary>
/// Thrown, before anything is taken, when an async flow asks for a level of a <see cref="LockHierarchy"/> that is
/// not after every level it already holds: taking levels out of order is how two flows come to wait for each other.
/// </summary>
public sealed class LockOrderException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public LockOrderException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What was out of order.</param>
    public LockOrderException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What was out of order.</param>
    /// <param name="innerException">The cause.</param>
    public LockOrderException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal LockOrderException(string hierarchy, string requestedLevel, string heldLevel, string message)
        : base(message)
    {
        Hierarchy = hierarchy;
        RequestedLevel = requestedLevel;
        HeldLevel = heldLevel;
    }

    /// <summary>The name of the hierarchy; empty when the exception was created without one.</summary>
    public string Hierarchy { get; } = string.Empty;

    /// <summary>The level that was asked for; empty when the exception was created without one.</summary>
    public string RequestedLevel { get; } = string.Empty;

    /// <summary>The level the flow already holds at or after <see cref="RequestedLevel"/>; empty when the exception was created without one.</summary>
    public string HeldLevel { get; } = string.Empty;
}
