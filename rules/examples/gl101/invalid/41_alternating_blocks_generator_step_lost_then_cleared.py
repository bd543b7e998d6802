# A Hugging Face training script alternates an autoencoder step and a discriminator step,
# each `backward(); step(); zero_grad()`, with the optimizer class picked from the
# arguments. The autoencoder's step was lost: its optimizer is cleared right after the
# backward, so its gradients are thrown away every time.
import torch


def train(args, vae, discriminator, loader, accelerator):
    optimizer_class = torch.optim.SGD if args.sgd else torch.optim.AdamW
    optimizer = optimizer_class(vae.parameters(), lr=args.learning_rate)
    disc_optimizer = optimizer_class(discriminator.parameters(), lr=args.learning_rate)
    vae, discriminator, optimizer, disc_optimizer = accelerator.prepare(
        vae, discriminator, optimizer, disc_optimizer
    )
    for step, batch in enumerate(loader):
        reconstructions = vae(batch)
        if step % 2 == 0:
            loss = (reconstructions - batch).abs().mean() - discriminator(reconstructions).mean()
            accelerator.backward(loss)  # GL101
            optimizer.zero_grad(set_to_none=True)
        else:
            d_loss = discriminator(reconstructions.detach()).mean() - discriminator(batch).mean()
            accelerator.backward(d_loss)
            disc_optimizer.step()
            disc_optimizer.zero_grad(set_to_none=True)
