# A VQGAN script alternates generator and discriminator steps on one flag, and each branch
# steps its own optimizer after its backward.
import torch


def train(model, discriminator, loader, accelerator):
    optimizer = torch.optim.Adam(model.parameters())
    discr_optimizer = torch.optim.Adam(discriminator.parameters())
    for i, batch in enumerate(loader):
        generator_step = i % 2 == 0
        if generator_step:
            optimizer.zero_grad(set_to_none=True)
        else:
            discr_optimizer.zero_grad(set_to_none=True)
        fmap = model(batch)
        if generator_step:
            loss = (fmap - batch).abs().mean() - discriminator(fmap).mean()
            accelerator.backward(loss)
            optimizer.step()
        else:
            loss = discriminator(fmap.detach()).mean() - discriminator(batch).mean()
            accelerator.backward(loss)
            discr_optimizer.step()
