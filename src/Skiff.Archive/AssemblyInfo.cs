namespace Skiff.Archive;
