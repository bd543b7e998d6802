# A VQGAN script alternates generator and discriminator steps on one flag: the flag picks
# which optimizer to clear at the top of the pass, and again which loss to backpropagate.
# The generator's step was lost. The discriminator's step reads none of the generator's
# gradients: it runs only on passes where the flag has cleared the discriminator first.
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
            accelerator.backward(loss)  # GL101
        else:
            loss = discriminator(fmap.detach()).mean() - discriminator(batch).mean()
            accelerator.backward(loss)
            discr_optimizer.step()
