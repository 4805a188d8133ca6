/*
 * baton_spawn: starts the command of `baton run`, `elect` or `join` directly from baton's main thread, with
 * the guarantees that used to take three helper programs (setpriv --pdeathsig KILL, env --default-signal=PIPE,
 * a sh guard):
 *
 *   - the command gets SIGKILL when baton's main thread ends (PR_SET_PDEATHSIG), even after kill -9;
 *   - it is never started once baton is already gone (the parent is checked after the death signal is set);
 *   - it starts with every signal baton catches back at its default, SIGPIPE at its default (the .NET
 *     runtime ignores SIGPIPE, and an ignored signal stays ignored across exec), and no signal blocked;
 *   - an exec failure comes back to baton as an errno, so baton exits 126/127 as a shell would.
 *
 * The child is created with clone(CLONE_VM | CLONE_VFORK) on a stack of its own, as glibc's posix_spawn
 * does: no copy of baton's page tables (a .NET process maps a lot of address space), and baton's thread is
 * suspended until the child has executed the command or given up. posix_spawn itself cannot be used because
 * it has no way to set the parent-death signal in the child.
 *
 * Between clone and execve the child shares baton's memory, so it only makes async-signal-safe system calls,
 * writes nothing but the result field of its argument, and allocates nothing: everything it needs (argv,
 * the environment, the /bin/sh fallback's argv) is built by the parent beforehand. All signals are blocked
 * in the parent across clone so that no handler of the runtime can run in the child (on baton's memory)
 * before the child has reset the handlers.
 *
 * Built by src/Baton.Cli/Native/Native.targets: linked statically into the Native AOT executable, and as
 * libbatonspawn.so beside Baton.Cli.dll for the JIT build. Without a C compiler neither exists, and baton
 * falls back to the setpriv chain (see ChildLauncher.cs).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The version of this interface; ChildLauncher checks it before relying on the library. */
#define BATON_SPAWN_VERSION 1

/* The child's stack: it only makes a few system calls, so a small one will do (glibc's posix_spawn uses
 * 32 KiB plus the argument vector). */
#define CHILD_STACK_SIZE (64 * 1024)

/* The exit status of a child that finds baton already gone; nobody is left to see it. Same as the old guard. */
#define PARENT_GONE_STATUS 137

struct spawn_args
{
    const char *path;
    char *const *argv;
    char *const *envp;
    char *const *script_argv; /* /bin/sh PATH ARGS…, for an executable without a #! line (ENOEXEC), as execvp does */
    pid_t parent;
    volatile int error;       /* execve's errno when the command could not be executed; written by the child */
};

static int child_main(void *opaque)
{
    struct spawn_args *args = opaque;

    /* Signals are all blocked (inherited from the parent). Put every caught signal back to its default
     * before unblocking anything, so that no runtime handler can run here. Ignored signals stay ignored, as
     * across any exec, except SIGPIPE: a command must die of a broken pipe as it does under a shell. */
    for (int sig = 1; sig < NSIG; sig++)
    {
        struct sigaction current;
        if (sigaction(sig, NULL, &current) != 0)
        {
            continue; /* SIGKILL, SIGSTOP and the C library's own signals */
        }

        int caught = (current.sa_flags & SA_SIGINFO) != 0
            || (current.sa_handler != SIG_DFL && current.sa_handler != SIG_IGN);
        if (caught || sig == SIGPIPE)
        {
            struct sigaction standard;
            memset(&standard, 0, sizeof standard);
            standard.sa_handler = SIG_DFL;
            sigaction(sig, &standard, NULL);
        }
    }

    /* Die with baton's main thread. If baton died before this line, the death signal will never come:
     * check that baton is still the parent now that it is set, and give up otherwise. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
    {
        args->error = errno;
        _exit(127);
    }

    if (getppid() != args->parent)
    {
        _exit(PARENT_GONE_STATUS);
    }

    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    execve(args->path, args->argv, args->envp);
    int error = errno;
    if (error == ENOEXEC)
    {
        execve("/bin/sh", args->script_argv, args->envp);
    }

    args->error = error;
    _exit(127);
}

static int has_name(const char *entry, char *const *overrides)
{
    for (; *overrides != NULL; overrides++)
    {
        const char *equals = strchr(*overrides, '=');
        size_t length = equals == NULL ? strlen(*overrides) : (size_t)(equals - *overrides);
        if (strncmp(entry, *overrides, length) == 0 && entry[length] == '=')
        {
            return 1;
        }
    }

    return 0;
}

/* The interface version (BATON_SPAWN_VERSION). */
int baton_spawn_version(void)
{
    return BATON_SPAWN_VERSION;
}

/*
 * Starts PATH with ARGV (NULL-terminated; argv[0] as the command should see it) and baton's environment
 * with OVERRIDES ("NAME=value" strings, NULL-terminated) replacing or adding variables.
 *
 * Returns the child's pid (> 0) once the command has been executed;
 *          0 when it could not be (*error = execve's errno; the child has been reaped);
 *         -1 when no process could be created (*error = errno).
 * Must be called on the thread whose end should kill the command (baton's main thread).
 */
pid_t baton_spawn(const char *path, char *const argv[], char *const overrides[], int *error)
{
    *error = 0;
    size_t environment_count = 0;
    size_t override_count = 0;
    size_t argument_count = 0;
    for (char **entry = environ; entry != NULL && *entry != NULL; entry++)
    {
        environment_count++;
    }

    while (overrides[override_count] != NULL)
    {
        override_count++;
    }

    while (argv[argument_count] != NULL)
    {
        argument_count++;
    }

    char **envp = malloc((environment_count + override_count + 1) * sizeof *envp);
    char **script_argv = malloc((argument_count + 2) * sizeof *script_argv);
    if (envp == NULL || script_argv == NULL)
    {
        free(envp);
        free(script_argv);
        *error = ENOMEM;
        return -1;
    }

    size_t used = 0;
    for (char **entry = environ; entry != NULL && *entry != NULL; entry++)
    {
        if (!has_name(*entry, overrides))
        {
            envp[used++] = *entry;
        }
    }

    for (size_t i = 0; i < override_count; i++)
    {
        envp[used++] = overrides[i];
    }

    envp[used] = NULL;
    script_argv[0] = "/bin/sh";
    script_argv[1] = (char *)path;
    for (size_t i = 1; i <= argument_count; i++)
    {
        script_argv[i + 1] = argv[i]; /* includes the terminating NULL */
    }

    void *stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED)
    {
        *error = errno;
        free(envp);
        free(script_argv);
        return -1;
    }

    /* baton waits for the command with waitpid: if baton was started with SIGCHLD ignored, the kernel would
     * reap the command itself and its exit status would be lost. The default action (also "ignore") keeps it. */
    struct sigaction child_signal;
    if (sigaction(SIGCHLD, NULL, &child_signal) == 0 && (child_signal.sa_flags & SA_SIGINFO) == 0
        && child_signal.sa_handler == SIG_IGN)
    {
        child_signal.sa_handler = SIG_DFL;
        sigaction(SIGCHLD, &child_signal, NULL);
    }

    struct spawn_args args = {
        .path = path, .argv = argv, .envp = envp, .script_argv = script_argv, .parent = getpid(), .error = 0,
    };

    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    /* The stack grows down on every architecture .NET runs on under Linux. */
    pid_t pid = clone(child_main, (char *)stack + CHILD_STACK_SIZE, CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
    int clone_error = errno;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);

    munmap(stack, CHILD_STACK_SIZE);
    free(envp);
    free(script_argv);
    if (pid < 0)
    {
        *error = clone_error;
        return -1;
    }

    if (args.error != 0)
    {
        /* The child has exited (CLONE_VFORK resumed us): reap it so that it leaves no zombie. */
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        {
        }

        *error = args.error;
        return 0;
    }

    return pid;
}
