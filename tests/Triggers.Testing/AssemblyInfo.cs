namespace Triggers.Testing;
