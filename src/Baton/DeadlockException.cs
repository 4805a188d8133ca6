namespace Baton;

/// <summary>Thrown instead of waiting when the wait could never end, such as two readers upgrading the same lock at once.</summary>
public sealed class DeadlockException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DeadlockException()
    {
    }

    /// <summary>Creates the exception with a message that names what deadlocks.</summary>
    /// <param name="message">What would deadlock.</param>
    public DeadlockException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What would deadlock.</param>
    /// <param name="innerException">The cause.</param>
    public DeadlockException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
